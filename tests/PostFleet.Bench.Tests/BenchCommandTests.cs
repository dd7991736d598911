using PostFleet.Testing;

namespace PostFleet.Bench.Tests;

/// <summary>The real `postfleet bench` process: it stops promptly on SIGTERM and refuses bad flags with a clear error.</summary>
public sealed class BenchCommandTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Bench_schedule_stops_promptly_on_SIGTERM()
    {
        // 2,000 identities over 50 seeds takes many minutes: only a cancellation ends it within the test's wait.
        await using var bench = ChildProcess.StartPostfleet(["bench", "schedule", "-t", Path.Combine(RepoPaths.Root, "bench", "topologies", "large-2000.yaml"), "--seeds", "50"]);
        await bench.WaitForOutputAsync("bench schedule: large-2000.yaml", Prompt);

        bench.Signal(15);

        Assert.Equal(130, await bench.WaitForExitAsync(Prompt));
        Assert.Contains("bench schedule: cancelled", bench.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("planner|--identities|5000|--passes|100000", "setting up a fleet mid-gap", "bench planner: cancelled")]
    [InlineData("daemon|--identities|1000|--passes|100000", "bench daemon: 1000 identities", "bench daemon: cancelled")]
    public async Task Bench_planner_and_daemon_stop_promptly_on_SIGTERM(string arguments, string started, string cancelled)
    {
        await using var bench = ChildProcess.StartPostfleet(["bench", .. arguments.Split('|')]);
        await bench.WaitForOutputAsync(started, Prompt);

        bench.Signal(15);

        Assert.Equal(130, await bench.WaitForExitAsync(Prompt));
        Assert.Contains(cancelled, bench.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("schedule|-t|no-such-topology.yaml", 2, "no-such-topology.yaml: no such file or folder")]
    [InlineData("schedule|-t|bench/topologies/demo.yaml|--seeds|0", 2, "--seeds 0: expected a whole number of seeds, 1 or more")]
    [InlineData("schedule|-t|bench/topologies/demo.yaml|--format|xml", 1, "xml")]
    [InlineData("schedule|-t|bench/topologies/demo.yaml|--strategies|pipelined,postfleet", 2, "--strategies postfleet: no such strategy; known: demo-dag, psm, sm-psm, all-at-once, exclusive, pipelined")]
    [InlineData("planner|--identities|0", 2, "--identities 0: expected 1 or more")]
    [InlineData("planner|--passes|-3", 2, "--passes -3: expected 1 or more")]
    [InlineData("daemon|--identities|10|0", 2, "--identities 0: expected one or more sizes of 1 or more")]
    [InlineData("daemon|--passes|0", 2, "--passes 0: expected 1 or more")]
    [InlineData("daemon|--scenario|mid-epoch", 1, "mid-epoch")]
    [InlineData("daemon|--mode|fifo", 1, "fifo")]
    [InlineData("api-load|--clients|0", 2, "--clients 0: use a whole number from 1 to 2000")]
    [InlineData("api-load|--seconds|3601", 2, "--seconds 3601: use a whole number from 1 to 3600")]
    [InlineData("api-load|--sse-share|1.5", 2, "--sse-share 1.5: use a fraction from 0 to 1")]
    [InlineData("soak|--judge|no-such-soak-folder", 2, "--judge no-such-soak-folder: not a kept soak folder")]
    public async Task Bad_bench_flags_give_a_clear_error_and_a_non_zero_exit(string arguments, int exitCode, string message)
    {
        await using var bench = ChildProcess.StartPostfleet(["bench", .. arguments.Split('|')], workingDirectory: RepoPaths.Root);

        Assert.Equal(exitCode, await bench.WaitForExitAsync(Prompt));
        Assert.Contains(message, bench.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bench.StandardError, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public void A_bad_topology_file_names_the_field()
    {
        var error = Assert.Throws<FormatException>(() => Topology.Parse("deadline: 1h\ncycle-gap: 12h\nhosts: []\n", "bad"));
        Assert.Contains("deadline: '1h'", error.Message, StringComparison.Ordinal);
    }
}
