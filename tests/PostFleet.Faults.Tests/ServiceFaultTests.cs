using System.Net;
using System.Net.Sockets;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>An operator endpoint that accepts connections and never answers: /status times out, the loop goes on.</summary>
public sealed class HungOperatorTests
{
    [Fact]
    public async Task An_operator_that_never_answers_times_out_and_the_loop_never_stalls()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        using var accepting = new CancellationTokenSource();
        var acceptor = Task.Run(async () =>
        {
            while (!accepting.IsCancellationRequested)
            {
                held.Add(await silent.AcceptTcpClientAsync(accepting.Token)); // accept and sit
            }
        });
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions
        {
            Services = [("a1", "diskA"), ("b1", "diskB")],
            Operators = new Dictionary<string, string> { ["a1"] = $"127.0.0.1:{port}" },
        });
        await fleet.StartAsync();

        // a1's service cannot bind its operator (silent, as post-service does) and proves anyway; /status hangs.
        await fleet.WaitForDeliveriesAsync(["a1", "b1"], 1);
        await Eventually.UntilAsync(() => held.Count > 0, "the daemon to connect to the silent operator");
        // The decision naming the silent /status is written once a status read has timed out, which on a loaded
        // machine can come after the first delivery: wait for it rather than read the history at this instant.
        await Eventually.UntilAsync(() => fleet.Decisions("a1").Any(d => d.Message.Contains("/status does not answer", StringComparison.Ordinal)), () => "a decision of a1 naming the silent /status; " + fleet.Describe());

        // The loop keeps going through a whole round: both are stopped once IDLE, and the next round proves again.
        await Eventually.UntilAsync(() => fleet.Actions("a1").Any(a => a.Action == "StopService") && fleet.Actions("b1").Any(a => a.Action == "StopService"), () => "both stopped after delivery; " + fleet.Describe());
        await fleet.WaitForDeliveriesAsync(["a1", "b1"], 2);
        accepting.Cancel();
        held.ForEach(c => c.Dispose());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acceptor);
    }
}

/// <summary>
/// A short PoST data file makes post-service's proof fail with a sticky Done(Err): /status says DoneProving forever
/// and every GenProof answers ERROR while the node retries. The daemon sees the node's failure event for that run,
/// stops it (nothing to lose) and starts a fresh one; with the data repaired, the proof is delivered.
/// </summary>
public sealed class StickyProofErrorTests
{
    [Fact]
    public async Task A_run_stuck_on_a_failed_proof_is_restarted_and_the_proof_is_delivered()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        var bin = Path.Combine(fleet.DataDir("a1"), "postdata_0.bin");
        var good = File.ReadAllBytes(bin);
        File.WriteAllBytes(bin, good[..(good.Length / 4)]);
        await fleet.StartAsync();

        await Eventually.UntilAsync(() => fleet.NodeRecord().Any(e => e.Event == "proof-failed" && e.Identity == "a1"), () => "the node to see a1's proof fail; " + fleet.Describe());
        var failedRun = fleet.ServiceEvents("a1").First(e => e.Event == "proof-failed");
        File.WriteAllBytes(bin, good); // repaired; the stuck run still holds its error

        await fleet.WaitForDeliveriesAsync(["a1", "b1"], 1);
        Assert.Contains(fleet.Decisions("a1"), d => d.Code == "ProofFailed");
        Assert.Contains(fleet.History("SELECT reason FROM actions WHERE service = 'a1' AND action = 'StopService'"), r => r["reason"] == "ProofFailed");
        Assert.Contains(fleet.History("SELECT kind FROM node_events WHERE smesher = '" + fleet.NodeIdOf("a1") + "'"), r => r["kind"] == "PostFailed");
        var delivered = fleet.Delivered("a1")[0];
        Assert.Contains(fleet.ServiceEvents("a1"), e => e.Event == "proof-found" && e.Pid != failedRun.Pid && e.Time < delivered.Time);
    }
}
