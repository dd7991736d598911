using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// Tells a node restart from a delivery. go-spacemesh registers every key IDLE when it starts, and asks for the
/// same challenge again only after its ATX sync (seconds on a standalone network, hours on mainnet). So: every
/// listed identity IDLE while runs hold proving work, and something that only a restart explains (the node was
/// away, its event stream had to be subscribed again, or it says it is not synced). Once seen it lasts until the
/// node asks for a proof again or no run is kept any more.
/// </summary>
internal static class NodeRestarts
{
    public static NodeRestart? Fold(FleetSpec spec, FleetSnapshot snapshot, PlannerMemory before, IReadOnlyDictionary<string, ServiceMemory> next, DateTimeOffset now)
    {
        if (!snapshot.NodeReachable)
        {
            return before.NodeRestart;
        }

        var kept = spec.Services.Count(s => Holds(s.Name, snapshot, next[s.Name], now));
        if (kept == 0 || snapshot.Identities.Count == 0 || snapshot.Identities.Values.Any(i => i.State == NodePostState.Proving))
        {
            return null;
        }

        if (before.NodeRestart is { } ongoing)
        {
            return ongoing with { Kept = kept };
        }

        List<string> evidence = [];
        if (before.NodeAway)
        {
            evidence.Add("the node was away");
        }

        if (snapshot.Node.StreamResubscribed)
        {
            evidence.Add("its event stream was subscribed again");
        }

        if (snapshot.Node.Synced == false)
        {
            evidence.Add("is_synced false");
        }

        return evidence.Count == 0 ? null : new NodeRestart(now, $"all identities IDLE at once; {string.Join(", ", evidence)}", kept);
    }

    /// <summary>A live run of an IDLE identity with work the node has not been given, before its deadline.</summary>
    private static bool Holds(string name, FleetSnapshot snapshot, ServiceMemory m, DateTimeOffset now) =>
        snapshot.LiveRun(name) is not null
        && snapshot.NodeStateOf(name) == NodePostState.Idle
        && !m.Delivered
        && ProofRound.HoldsWork(snapshot.StatusOf(name), m)
        && !ProofRound.DeadlinePassed(m, snapshot.For(name).Timeline, now);
}
