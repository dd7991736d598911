using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// The node upgraded mid-gap: go-spacemesh starts with every identity IDLE and asks for the same challenge again only
/// after its ATX sync. Nothing is stopped while it syncs (longer than idle-stop-grace), and every proof is delivered
/// with the work done before the restart: one k2pow and one read per identity, not two.
/// </summary>
public sealed class NodeRestartMidGapTests
{
    [Fact]
    public async Task Node_restarted_5s_into_the_gap_with_a_sync_longer_than_the_idle_grace_keeps_every_proof_in_progress()
    {
        // Scale 30: the gap is 14 s, the deadline 24 s after it opens. A proof: k2pow 2 s, then 32 KiB read at 4 KiB/s.
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions
        {
            Services = [("a1", "diskA"), ("b1", "diskB")],
            TimeScale = 30,
            ReadBytesPerSecond = 4 * 1024,
            K2PowSeconds = 1,
            PassSuccessProbability = 1,
        });
        await fleet.StartAsync();
        await fleet.WaitForDeliveriesAsync(["a1", "b1"], 1); // the initial PoSTs

        // The round both identities prove in: an initial PoST that lands after the first PoET registration closed
        // makes its identity's first NiPoST the epoch after (as go-spacemesh does), so the first round may be one's alone.
        List<SimEvent> asked = [];
        await Eventually.UntilAsync(
            () => (asked = Niposts(fleet, "proof-requested").GroupBy(PublishEpoch).Select(g => g.ToList()).FirstOrDefault(g => g.Select(e => e.Identity).Distinct().Count() == 2) ?? []).Count > 0,
            () => "both NiPoSTs asked for in one round; " + fleet.Describe());
        var round = PublishEpoch(asked[0]);
        var challenge = asked[0].Challenge!;
        var gapOpened = asked.Min(e => e.Time);
        await Eventually.UntilAsync(() => DateTimeOffset.UtcNow >= gapOpened.AddSeconds(5), "5 s into the gap");
        Assert.All(new[] { "a1", "b1" }, name => Assert.True(
            fleet.ServiceEvents(name).Any(e => e.Event is "k2pow-start" or "read-start" && e.Challenge == challenge),
            $"{name} not proving 5 s into the gap; " + fleet.Describe()));
        Assert.DoesNotContain(Niposts(fleet, "proof-delivered"), e => PublishEpoch(e) == round);

        // Restart the node with a sync (6 s) longer than idle-stop-grace (1 s): it lists both identities IDLE, unsynced,
        // for 6 s from its start, which is all the time the daemon has to see them so (on a loaded host the node's own
        // start-up takes seconds of it). The proofs are ready by then; the deadline is 24 s into the gap.
        var restartedAt = DateTimeOffset.UtcNow;
        fleet.Node!.Signal(Posix.SigTerm);
        Assert.Equal(0, await fleet.Node.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        await fleet.StartNodeAsync("--sync-time", "180s");

        var delivered = new List<SimEvent>();
        await Eventually.UntilAsync(
            () => (delivered = [.. Niposts(fleet, "proof-delivered").Where(e => PublishEpoch(e) == round)]).Select(e => e.Identity).Distinct().Count() == 2,
            () => $"a1 and b1 delivered publish epoch {round}; " + fleet.Describe(), TimeSpan.FromSeconds(90));
        Assert.Equal(2, delivered.Count);
        Assert.All(delivered, e => Assert.Equal(challenge, e.Challenge));
        Assert.All(delivered, e => Assert.True(e.Time > restartedAt, "delivered before the restart"));

        // The node really was down, then IDLE and unsynced: a restart, not a delivery.
        var synced = fleet.NodeRecord().Single(e => e.Event == "synced" && e.Time > restartedAt).Time;
        Assert.True(synced - restartedAt > TimeSpan.FromSeconds(2), $"synced {synced - restartedAt} after the restart");
        Assert.All(new[] { "a1", "b1" }, name => Assert.Contains(fleet.NodeRecord(), e => e.Event == "state" && e.Identity == name && e.Time > restartedAt && e.Raw.GetProperty("to").GetString() == "IDLE"));

        // No run stopped in the gap before its identity delivered, and one run per identity for the NiPoST: the work before the
        // restart was kept. The record holds every k2pow and read the services did, so exactly one of each.
        foreach (var name in new[] { "a1", "b1" })
        {
            var deliveredAt = delivered.Single(e => e.Identity == name).Time;
            var stops = fleet.History($"SELECT at, reason FROM actions WHERE service = '{name}' AND action = 'StopService'")
                .Select(r => (At: DateTimeOffset.Parse(r["at"]!, System.Globalization.CultureInfo.InvariantCulture), Reason: r["reason"]))
                .Where(r => r.At >= gapOpened && r.At < deliveredAt && !(r.Reason == "Delivered" && r.At >= deliveredAt - ReadsItsDeliveryWithin)).ToList();
            Assert.True(stops.Count == 0, $"{name} stopped before it delivered: {string.Join(", ", stops.Select(r => $"{r.Reason} at {r.At:O}"))}");

            var work = fleet.ServiceEvents(name).Where(e => e.Challenge == challenge).ToList();
            Assert.Equal(1, work.Count(e => e.Event == "k2pow-start"));
            Assert.Equal(1, work.Count(e => e.Event == "read-start"));
            Assert.Equal(1, work.Count(e => e.Event == "proof-handed-over"));
            Assert.Single(work.Select(e => e.Pid).Distinct());
            Assert.Contains(work, e => e.Event == "k2pow-start" && e.Time < restartedAt);
        }

        // Said so: the decision, the daemon event.
        var decisions = fleet.Decisions("a1").Concat(fleet.Decisions("b1")).ToList();
        Assert.True(
            decisions.Any(d => d.Code == "NodeRestarting" && d.Message.StartsWith("node restarted / syncing: keeping 2 proofs in progress", StringComparison.Ordinal)),
            $"no NodeRestarting decision keeping 2 proofs; the node listened again at {NodeListening(fleet, restartedAt):O} and synced at {synced:O}; decisions:\n"
            + string.Join("\n", decisions.Select(d => $"  {d.Code}: {d.Message}")) + "\n" + fleet.Describe());
        var restart = Assert.Single(fleet.History("SELECT detail FROM daemon_events WHERE kind = 'node-restarted'"));
        Assert.StartsWith("node restarted / syncing: keeping 2 proofs in progress", restart["detail"], StringComparison.Ordinal);
        await Eventually.UntilAsync(() => fleet.History("SELECT detail FROM daemon_events WHERE kind = 'node-resumed'").Count == 1, () => "node-resumed in the history; " + fleet.Describe());
        Assert.DoesNotContain(fleet.NodeRecord(), e => e.Event == "service-rejected");
    }

    private static IEnumerable<SimEvent> Niposts(SimFleet fleet, string kind) =>
        fleet.NodeRecord().Where(e => e.Event == kind && e.Kind == "nipost");

    /// <summary>
    /// An action is stamped with its pass's observation time, and that pass may read the delivery it acts on after it
    /// began (the node fetched a finished proof within 60 ms of asking). A stop for a delivery the daemon only imagined
    /// (all IDLE after the restart) comes with the node's return, seconds before its sync ends and it asks again.
    /// </summary>
    private static readonly TimeSpan ReadsItsDeliveryWithin = TimeSpan.FromSeconds(2);

    private static DateTimeOffset? NodeListening(SimFleet fleet, DateTimeOffset after) =>
        fleet.NodeRecord().FirstOrDefault(e => e.Event == "listening" && e.Time > after)?.Time;

    private static uint PublishEpoch(SimEvent e) => e.Raw.GetProperty("publishEpoch").GetUInt32();
}
