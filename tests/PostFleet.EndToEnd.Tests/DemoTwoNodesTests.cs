using PostFleet.Testing;

namespace PostFleet.EndToEnd.Tests;

/// <summary>
/// `postfleet demo --nodes 2` as a user runs it: two simulated nodes half an epoch apart share the demo's disks and a
/// pool of two simulated k2pow-service workers that `postfleet run` starts itself. Counted from the simulators' records.
/// </summary>
public sealed class DemoTwoNodesTests
{
    [Fact]
    public async Task Two_nodes_prove_an_epoch_with_their_k2pow_on_a_pool_of_two_workers()
    {
        using var dir = new TempDirectory("pf-demo-nodes");
        await using var demo = ChildProcess.StartPostfleet(
            ["demo", "--nodes", "2", "--dir", dir.Path, "--epochs", "1", "--time-scale", "20"],
            logPath: Path.Combine(Path.GetTempPath(), $"pf-demo-nodes-{Environment.ProcessId}.log"));
        var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(8));
        var output = demo.StandardOutput + demo.StandardError;

        Assert.True(exit == 0, output);
        Assert.Contains("demo finished: 1 epoch(s) with every proof delivered", output, StringComparison.Ordinal);
        var yaml = File.ReadAllText(Path.Combine(dir.Path, "postfleet.yaml"));
        Assert.Contains("k2pow:", yaml, StringComparison.Ordinal);
        Assert.Contains("    count: 2", yaml, StringComparison.Ordinal);

        // Both nodes had proofs delivered, and every k2pow job ran on one of the pool's two workers.
        foreach (var record in new[] { Path.Combine(dir.Path, "node", "sim-record.jsonl"), Path.Combine(dir.Path, "node", "node-b", "sim-record.jsonl") })
        {
            Assert.Contains(RecordLine.Read(record), l => l.Event == "proof-delivered");
        }

        // The router hands a job to the first free worker, so whether the second worker ever gets one depends on jobs
        // overlapping (on a loaded runner they did not, once); K2PowPoolTests checks the spreading over three epochs.
        var k2pow = RecordLine.Read(Path.Combine(dir.Path, "k2pow-host", ".postfleet-sim", "record.jsonl"));
        var workers = k2pow.Where(l => l.Event == "started").Select(l => l.Number("pid")).ToHashSet();
        var jobs = k2pow.Where(l => l.Event == "k2pow-job-start").ToList();
        Assert.Equal(2, workers.Count);
        Assert.NotEmpty(jobs);
        Assert.All(jobs, j => Assert.Contains(j.Number("pid"), workers));
    }
}
