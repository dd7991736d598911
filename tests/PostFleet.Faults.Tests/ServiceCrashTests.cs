using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// A post-service killed with SIGKILL in the middle of a proof: restarted, and the proof delivered on the same
/// challenge. The real processes prove the wiring (the kill seen through the process runtime, the node's events in
/// the history) on one phase; the loop's logic for both phases is in PostFleet.InProcess.Tests (ServiceFaultTests).
/// </summary>
public sealed class ServiceCrashTests
{
    [Theory]
    [InlineData("read-start")]
    public async Task Service_killed_mid_proof_is_restarted_and_delivers_on_the_same_challenge(string phase)
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        await fleet.StartAsync();

        // The first proof the node asks for: kill a1's service as soon as it enters the phase.
        var victim = await Eventually.UntilAsync(
            () => Task.FromResult(fleet.ServiceEvents("a1").FirstOrDefault(e => e.Event == phase)),
            () => $"a1 to reach {phase}; {fleet.Describe()}");
        Assert.Equal(0, Posix.Kill(victim.Pid, Posix.SigKill));
        var requested = fleet.NodeRecord().Last(e => e.Event == "proof-requested" && e.Identity == "a1");

        await fleet.WaitForDeliveriesAsync(["a1", "b1"], 1);
        var delivered = fleet.Delivered("a1")[0];
        Assert.Equal(requested.Challenge, delivered.Challenge);
        Assert.True(delivered.Time > victim.Time);

        // A second service process was started for a1 and it found the proof; the killed one never did.
        var starts = fleet.ServiceEvents("a1").Where(e => e.Event == "started").ToList();
        Assert.True(starts.Count >= 2, "a1 was not restarted");
        Assert.DoesNotContain(fleet.ServiceEvents("a1"), e => e.Event == "proof-found" && e.Pid == victim.Pid);

        // History: the crash was seen (BackingOff or a restart start reason) and a second StartService was taken.
        await Eventually.UntilAsync(() => fleet.Actions("a1").Count(a => a.Action == "StartService" && a.Outcome.StartsWith("started", StringComparison.Ordinal)) >= 2, "two starts of a1 in history");
        Assert.Contains(fleet.Decisions("a1"), d => d.Code == "BackingOff" || d.Message.Contains("restart", StringComparison.Ordinal));
        // The node's event reaches the daemon's history a pass after the node's own record: wait for it.
        await Eventually.UntilAsync(() => fleet.History("SELECT kind, smesher FROM node_events").Any(r => r["kind"] == "PostCompleted" && r["smesher"] == fleet.NodeIdOf("a1")), "a1's postComplete in the history");
    }
}
