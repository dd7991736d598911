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
        return new(
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
    }
}
