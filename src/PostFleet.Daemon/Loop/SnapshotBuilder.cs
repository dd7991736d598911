using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>Turns what the observer gathered into the planner's snapshot.</summary>
internal static class SnapshotBuilder
{
    public static FleetSnapshot Build(FleetSpec fleet, FleetObservation observation, FleetIntentState intents)
    {
        var timeline = observation.Clock is { } clock ? new NetworkTimeline(clock, fleet.Node.Poet) : null;
        var current = timeline?.CurrentOrNextCycleGap(observation.At);
        var snapshot = new FleetSnapshot(
            observation.At,
            observation.NodeReachable,
            observation.Identities,
            // The newest run per service wins: a runtime may still hold an exited run beside a fresh one.
            observation.Runs
                .GroupBy(r => r.ServiceName)
                .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Running).ThenByDescending(r => r.StartedAt).First()),
            observation.Statuses,
            observation.Events,
            intents.ForPlanner(fleet.Services.Select(s => s.Name)))
        {
            CycleGapOpenedAt = current is { } gap && gap.IsOpen(observation.At) ? gap.Opens : null,
            Timeline = timeline,
            Node = new NodeCondition(observation.NodeSynced, observation.EventStreamDropped),
            EventReplayRead = observation.EventReplayRead,

            // The gap whose proofs are due: the planner orders and admits against its close and its proof deadline.
            Window = timeline?.ProvingCycleGap(observation.At),
        };
        return fleet.HasSeveralNodes ? WithNodeSides(fleet, observation, snapshot) : snapshot;
    }

    /// <summary>
    /// Several nodes: each node's side (its reachability, own timeline from its clock and PoET timings, gap and
    /// condition), each identity's node, and as the fleet's window the one whose proofs are due soonest.
    /// </summary>
    private static FleetSnapshot WithNodeSides(FleetSpec fleet, FleetObservation observation, FleetSnapshot fleetWide)
    {
        var sides = ImmutableDictionary.CreateBuilder<string, FleetSnapshot>(StringComparer.Ordinal);
        foreach (var node in observation.Nodes)
        {
            var timeline = node.Clock is { } clock ? new NetworkTimeline(clock, fleet.NodeNamed(node.Name).Poet) : null;
            var current = timeline?.CurrentOrNextCycleGap(observation.At);
            sides[node.Name] = fleetWide with
            {
                NodeReachable = node.Reachable,
                Timeline = timeline,
                Window = timeline?.ProvingCycleGap(observation.At),
                CycleGapOpenedAt = current is { } gap && gap.IsOpen(observation.At) ? gap.Opens : null,
                Node = new NodeCondition(node.Synced, node.StreamDropped),
            };
        }

        return fleetWide with
        {
            NodeSides = sides.ToImmutable(),
            NodeOfService = fleet.Services.ToImmutableDictionary(s => s.Name, s => fleet.NodeOf(s).Name, StringComparer.Ordinal),
            Window = sides.Values.Select(s => s.Window).Where(w => w is not null).MinBy(w => w!.ProofDeadline) ?? fleetWide.Window,
        };
    }
}
