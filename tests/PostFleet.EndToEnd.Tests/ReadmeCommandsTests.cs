using System.Text.RegularExpressions;
using PostFleet.Testing;

namespace PostFleet.EndToEnd.Tests;

/// <summary>
/// A new user's first minutes: a clean clone, then the README's two commands exactly as written there. The test
/// command runs a small slice of the suite (the whole suite would run this test again).
/// </summary>
public sealed partial class ReadmeCommandsTests
{
    [Fact]
    public async Task The_readme_opens_with_the_demo_and_test_commands_and_both_work_on_a_clean_clone()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var firstBlock = FirstCodeBlock().Match(readme).Groups[1].Value;
        var commands = firstBlock.Split('\n').Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0).ToList();
        Assert.Equal(["./postfleet demo", "./test.sh"], commands);

        using var dir = new TempDirectory("pf-clone");
        var clone = dir.Combine("postfleet");
        await RunAsync("git", ["clone", "--quiet", "--no-hardlinks", RepoPaths.Root, clone], dir.Path, TimeSpan.FromMinutes(2));

        await using (var demo = ChildProcess.Start(Path.Combine(clone, "postfleet"), ["demo", "--epochs", "1", "--time-scale", "30", "--listen", "http://127.0.0.1:0"], clone))
        {
            // The clean clone builds postfleet and the native simulated post-service (scripts/build-sim-aot.sh) first.
            var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(16));
            Assert.True(exit == 0, demo.StandardOutput + demo.StandardError);
            Assert.Contains("demo finished: 1 epoch(s) with every proof delivered", demo.StandardOutput, StringComparison.Ordinal);
        }

        await using var tests = ChildProcess.Start(Path.Combine(clone, "test.sh"), ["--filter", "FullyQualifiedName~IdentityKeyTests"], clone);
        var testExit = await tests.WaitForExitAsync(TimeSpan.FromMinutes(12));
        Assert.True(testExit == 0, tests.StandardOutput + tests.StandardError);
        Assert.Matches(@"Total: [1-9]\d* passed, 0 failed", tests.StandardOutput);
    }

    private static async Task RunAsync(string file, string[] arguments, string workingDirectory, TimeSpan timeout)
    {
        await using var process = ChildProcess.Start(file, arguments, workingDirectory);
        Assert.True(await process.WaitForExitAsync(timeout) == 0, process.StandardOutput + process.StandardError);
    }

    [GeneratedRegex("```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FirstCodeBlock();
}
