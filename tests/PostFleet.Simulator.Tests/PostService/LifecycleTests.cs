using System.Diagnostics;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>Command line, startup checks and the ways a post-service process ends.</summary>
public sealed class LifecycleTests
{
    [Theory]
    [InlineData("--nonces", "17")]
    [InlineData("--nonces", "4112")]
    [InlineData("--pow-difficulty", "00ff")]
    [InlineData("--operator-address", "localhost:50051")]
    [InlineData("--bogus", "1")]
    [InlineData("--n", "2")]
    [InlineData("--cert", "c.pem")]
    public async Task Usage_errors_exit_2(string flag, string value)
    {
        using var host = new SimHostFolder();
        await using var service = PostServiceProcess.Start(host, "--dir", host.Host, "--address", "http://127.0.0.1:1", flag, value);
        Assert.Equal(2, await service.WaitForExitAsync());
        Assert.StartsWith("error: ", service.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pinned_cores_and_threads_together_exit_2()
    {
        using var host = new SimHostFolder();
        await using var service = PostServiceProcess.Start(host, "-d", host.Host, "-a", "http://127.0.0.1:1", "--threads", "2", "--pinned-cores", "0,1");
        Assert.Equal(2, await service.WaitForExitAsync());
        Assert.Contains("cannot be used with", service.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_metadata_and_units_out_of_range_exit_1()
    {
        using var host = new SimHostFolder();
        var dir = Path.Combine(host.Disk("diskA", 1 << 20), "post1");
        await using (var missing = PostServiceProcess.Start(host, "-d", dir, "-a", "http://127.0.0.1:1"))
        {
            Assert.Equal(1, await missing.WaitForExitAsync());
            Assert.Contains("Error: creating Post Service", missing.StandardError, StringComparison.Ordinal);
            Assert.Contains("loading POST metadata", missing.StandardError, StringComparison.Ordinal);
        }

        SimHostFolder.WriteData(dir, numUnits: 4);
        await using var outOfRange = PostServiceProcess.Start(host, "-d", dir, "-a", "http://127.0.0.1:1", "--min-num-units", "8", "--max-num-units", "16");
        Assert.Equal(1, await outOfRange.WaitForExitAsync());
        Assert.Contains("Error: number of units in the POST data is out of range: 4 not in 8..=16", outOfRange.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_retries_gives_up_after_n_plus_one_attempts()
    {
        using var host = new SimHostFolder();
        var dir = Path.Combine(host.Disk("diskA", 1 << 20), "post1");
        SimHostFolder.WriteData(dir, numUnits: 4);
        var closedPort = FreePorts.Next();
        await using var service = PostServiceProcess.Start(host, "-d", dir, "-a", $"http://127.0.0.1:{closedPort}", "--max-retries", "2", "--reconnect-interval-s", "1");
        Assert.Equal(1, await service.WaitForExitAsync());
        Assert.Contains("Error: max retries (2) reached", service.StandardError, StringComparison.Ordinal);
        Assert.Equal(3, service.StandardError.Split('\n').Count(l => l.Contains("could not connect to the node", StringComparison.Ordinal)));
        Assert.Equal("exit", host.Record().Last().GetProperty("event").GetString());
    }

    [Fact]
    public async Task Watch_pid_exits_0_when_the_watched_process_is_gone()
    {
        using var host = new SimHostFolder();
        var dir = Path.Combine(host.Disk("diskA", 1 << 20), "post1");
        SimHostFolder.WriteData(dir, numUnits: 4);
        using var sleeper = Process.Start("sleep", "60");
        await using var service = PostServiceProcess.Start(host, "-d", dir, "-a", $"http://127.0.0.1:{FreePorts.Next()}", "--watch-pid", sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await service.WaitForOutputAsync($"watching PID {sleeper.Id}");
        sleeper.Kill();
        await sleeper.WaitForExitAsync();
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("PID watcher exited: Ok(())", service.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_kills_at_once_even_while_proving()
    {
        using var host = new SimHostFolder(k2powSecondsPerUnitPerNonceGroup: 5);
        var dir = Path.Combine(host.Disk("diskA", 1 << 20), "post1");
        SimHostFolder.WriteData(dir, numUnits: 4);
        await using var node = await FakeNode.StartAsync();
        await using var service = PostServiceProcess.Start(host, "-d", dir, "-a", node.Address, "--nonces", "16");
        await node.GenProofAsync([.. new byte[32]]);
        await Eventually.UntilAsync(() => Directory.Exists(Path.Combine(host.Host, ".postfleet-sim", "k2pow")) && Directory.EnumerateFiles(Path.Combine(host.Host, ".postfleet-sim", "k2pow")).Any(), "k2pow to run");

        service.Signal(Posix.SigTerm);
        var code = await service.WaitForExitAsync(TimeSpan.FromSeconds(10));

        // Killed by the signal in the middle of k2pow (20 s of it): no handler ran, k2pow never ended, no clean exit.
        Assert.Equal(128 + Posix.SigTerm, code);
        Assert.DoesNotContain(host.Record(), e => e.GetProperty("event").GetString() is "exit" or "k2pow-end" or "proof-found");
    }
}
