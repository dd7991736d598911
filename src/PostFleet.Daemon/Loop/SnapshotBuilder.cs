using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>Turns what the observer gathered into the planner's snapshot.</summary>
internal static class SnapshotBuilder
{
    /// <param name="startsUnderWay">Starts the runtime had not finished before it listed its runs (<see cref="ActionExecutor.StartsUnderWay"/>).</param>
    public static FleetSnapshot Build(FleetSpec fleet, FleetObservation observation, FleetIntentState intents, IReadOnlyList<RuntimeInstance>? startsUnderWay = null)
    {
        var timeline = observation.Clock is { } clock ? new NetworkTimeline(clock, fleet.Node.Poet) : null;
        var current = timeline?.CurrentOrNextCycleGap(observation.At);
        var runs = NewestRuns(observation.Runs);
        var statuses = WithStartsUnderWay(runs, observation.Statuses, startsUnderWay ?? []);
        var snapshot = new FleetSnapshot(
            observation.At,
            observation.NodeReachable,
            observation.Identities,
            runs,
            statuses,
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
    /// A start under way is the service's live run for the planner (it starts nothing twice and counts it against every
    /// cap) unless the runtime listed a live run of it already, and it answers no /status yet: it is starting up.
    /// </summary>
    private static IReadOnlyDictionary<string, ServiceStatus> WithStartsUnderWay(Dictionary<string, RuntimeInstance> runs, IReadOnlyDictionary<string, ServiceStatus> statuses, IReadOnlyList<RuntimeInstance> startsUnderWay)
    {
        Dictionary<string, ServiceStatus>? withStarts = null;
        foreach (var start in startsUnderWay)
        {
            if (runs.TryGetValue(start.ServiceName, out var listed) && listed.Running)
            {
                continue;
            }

            runs[start.ServiceName] = start;
            withStarts ??= new Dictionary<string, ServiceStatus>(statuses, StringComparer.Ordinal);
            withStarts[start.ServiceName] = new ServiceStatus.Unreachable($"the runtime is starting it (asked at {start.StartedAt.UtcDateTime:HH:mm:ss})");
        }

        return withStarts ?? statuses;
    }

    /// <summary>
    /// The newest run per service wins: a runtime may still hold an exited run beside a fresh one. A live run before an
    /// ended one, then the latest started; the first listed of equals.
    /// </summary>
    private static Dictionary<string, RuntimeInstance> NewestRuns(IReadOnlyList<RuntimeInstance> runs)
    {
        var newest = new Dictionary<string, RuntimeInstance>(runs.Count);
        foreach (var run in runs)
        {
            if (!newest.TryGetValue(run.ServiceName, out var other)
                || (run.Running && !other.Running)
                || (run.Running == other.Running && run.StartedAt > other.StartedAt))
            {
                newest[run.ServiceName] = run;
            }
        }

        return newest;
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
