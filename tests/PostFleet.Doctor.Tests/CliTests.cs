using System.Text.RegularExpressions;
using PostFleet.Testing;

namespace PostFleet.Doctor.Tests;

public sealed partial class CliTests
{
    [Fact]
    public async Task Version_shows_the_git_commit()
    {
        await using var run = ChildProcess.StartPostfleet(["--version"]);
        Assert.Equal(0, await run.WaitForExitAsync());
        Assert.Matches(Commit(), run.StandardOutput.Trim());
    }

    [Fact]
    public async Task Bash_completion_knows_every_verb_and_their_options()
    {
        await using var run = ChildProcess.StartPostfleet(["completion", "bash"]);
        Assert.Equal(0, await run.WaitForExitAsync());
        var script = run.StandardOutput;
        foreach (var verb in new[] { "validate", "run", "init", "doctor", "discover", "completion", "certs", "sim" })
        {
            Assert.Contains($"'postfleet {verb}')", script, StringComparison.Ordinal);
        }

        Assert.Contains("--disk-root", script, StringComparison.Ordinal);
        Assert.Contains("complete -o default -F _postfleet postfleet", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fish_and_zsh_completion_are_generated_too()
    {
        await using var fish = ChildProcess.StartPostfleet(["completion", "fish"]);
        Assert.Equal(0, await fish.WaitForExitAsync());
        Assert.Contains("complete -c postfleet -n '__fish_use_subcommand' -a doctor", fish.StandardOutput, StringComparison.Ordinal);

        await using var zsh = ChildProcess.StartPostfleet(["completion", "zsh"]);
        Assert.Equal(0, await zsh.WaitForExitAsync());
        Assert.StartsWith("#compdef postfleet", zsh.StandardOutput, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\S+\+[0-9a-f]{40}$")]
    private static partial Regex Commit();
}
