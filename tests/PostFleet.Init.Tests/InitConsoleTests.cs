using System.Text.RegularExpressions;
using PostFleet.Init.Console;
using PostFleet.Init.Tests.Support;

namespace PostFleet.Init.Tests;

/// <summary>What `postfleet init` prints when stdout is not a terminal.</summary>
public partial class InitConsoleTests
{
    [Fact]
    public async Task Plain_output_has_the_plan_progress_lines_and_the_restart_advice()
    {
        // 16 chunks 0.1 s apart: the run lasts several 500 ms progress ticks even on a quiet machine, so a progress
        // line is always printed while the identity runs.
        using var world = new InitWorld([("diskA", [("diskA_post1", 4)])], maxFileSize: 1024, chunkBytes: 512, delaySeconds: 0.1);
        var output = new StringWriter();
        var errors = new StringWriter();

        var exitCode = await InitConsole.RunAsync(world.Runner(), new InitRequest(world.Fleet), output, errors, interactive: false, CancellationToken.None);

        var text = output.ToString();
        Assert.Equal(0, exitCode);
        Assert.Contains($"commitment ATX {world.Commitment.Hex} (from node http://127.0.0.1:10092/ (ActivationService.Highest))", text, StringComparison.Ordinal);
        Assert.Matches(ProgressLine(), text);
        Assert.Contains("diskA_post1: verified complete", text, StringComparison.Ordinal);
        Assert.Contains("  diskA_post1: done, key installed", text, StringComparison.Ordinal);
        Assert.Contains("RESTART THE NODE: it loads keys only at start and does not carry diskA_post1 yet.", text, StringComparison.Ordinal);
        Assert.EndsWith("init complete." + Environment.NewLine, text, StringComparison.Ordinal);
        Assert.Contains("warning: the node does not carry diskA_post1 yet", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusal_prints_each_error_with_its_subject_and_exits_2()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        world.Fleet = world.Fleet with { Post = world.Fleet.Post with { PostcliBinary = "/nonexistent/postcli" } };
        var output = new StringWriter();
        var errors = new StringWriter();

        var exitCode = await InitConsole.RunAsync(world.Runner(), new InitRequest(world.Fleet), output, errors, interactive: false, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: post.postcli-binary: '/nonexistent/postcli' does not exist", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("init refused before any work: nothing was touched.", output.ToString(), StringComparison.Ordinal);
    }

    // Any rate and any ETA form (m:ss, h:mm:ss, Nd hh:mm:ss, ?): the first sample on a loaded machine can see a
    // tiny rate and an ETA of hours; the line's shape is what is under test, not the speed.
    [GeneratedRegex(@"(?m)^diskA_post1 \d{1,3}% \d+(\.\d)? (B|KiB|MiB|GiB)/s ETA ((\d+d )?\d+(:\d\d){1,2}|\?)$")]
    private static partial Regex ProgressLine();
}
