using PostFleet.Core.Configuration;

namespace PostFleet.Core.Tests.Configuration;

/// <summary>The <c>process:</c> section: the niceness post-services and managed k2pow workers start with.</summary>
public sealed class ProcessSectionTests
{
    [Fact]
    public void Services_start_at_postfleets_own_priority_unless_the_section_sets_a_niceness()
    {
        Assert.Equal(0, ConfigText.Load(ConfigText.Minimal).Spec!.Process.Nice);
        Assert.Equal(10, ConfigText.Load(ConfigText.With("process:\n  nice: 10")).Spec!.Process.Nice);
        Assert.Equal(19, ConfigText.Load(ConfigText.With("process:\n  nice: 19")).Spec!.Process.Nice);
        Assert.Equal(0, ConfigText.Load(ConfigText.With("process: {}")).Spec!.Process.Nice);
    }

    [Theory]
    [InlineData("process:\n  nice: 20", "process.nice", "20 is out of range; use a whole number from 0 to 19")]
    [InlineData("process:\n  nice: -5", "process.nice", "-5 is out of range; use a whole number from 0 to 19")]
    [InlineData("process:\n  nice: low", "process.nice", "expected a whole number, got 'low'")]
    [InlineData("process:\n  niceness: 5", "process.niceness", "unknown key; known keys here: nice")]
    public void A_bad_niceness_names_its_path_and_what_is_right(string section, string path, string message)
    {
        Assert.Equal(new ConfigError(path, message), ConfigText.SingleError(ConfigText.With(section)));
    }
}
