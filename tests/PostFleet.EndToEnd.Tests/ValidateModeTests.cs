using PostFleet.Testing;

namespace PostFleet.EndToEnd.Tests;

/// <summary>
/// `postfleet validate` says which schedule mode a config runs: the demo's example names none and gets the default
/// (pipelined, issue 13); a config naming exclusive keeps it.
/// </summary>
public sealed class ValidateModeTests
{
    [Theory]
    [InlineData(null, "schedule: mode pipelined (the default)")]
    [InlineData("exclusive", "schedule: mode exclusive\n")]
    public async Task Validate_names_the_mode_the_config_runs(string? mode, string expected)
    {
        using var dir = new TempDirectory("pf-validate");
        var yaml = File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "demo", "postfleet.yaml"));
        if (mode is not null)
        {
            yaml = yaml.Replace("  per-disk: 1 ", $"  mode: {mode}\n  per-disk: 1 ", StringComparison.Ordinal);
        }

        var config = dir.Combine("postfleet.yaml");
        File.WriteAllText(config, yaml);

        await using var validate = ChildProcess.StartPostfleet(["validate", "-c", config], dir.Path);
        var exit = await validate.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exit == 0, validate.StandardOutput + validate.StandardError);
        Assert.Contains(expected, validate.StandardOutput.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
