namespace PostFleet.Core.Tests.Configuration;

/// <summary><c>disks[].host</c>: the machine a disk is in, a label the dashboard groups disks by.</summary>
public sealed class DiskHostTests
{
    private static string WithHost(string host) =>
        ConfigText.Minimal.Replace("  - name: diskB\n", $"  - name: diskB\n    host: {host}\n", StringComparison.Ordinal);

    [Fact]
    public void A_disk_names_its_host_and_a_disk_without_one_has_none()
    {
        var spec = ConfigText.Load(WithHost("rack2-node7")).Spec!;

        Assert.Equal("rack2-node7", spec.Disks.Single(d => d.Name == "diskB").Host);
        Assert.Null(spec.Disks.Single(d => d.Name == "diskA").Host);
    }

    [Fact]
    public void A_host_that_is_no_usable_name_is_an_error_naming_the_field()
    {
        var error = ConfigText.SingleError(WithHost("\"host b\""));

        Assert.Equal("disks[1].host", error.Path);
        Assert.Contains("not a usable host name", error.Message, StringComparison.Ordinal);
    }
}
