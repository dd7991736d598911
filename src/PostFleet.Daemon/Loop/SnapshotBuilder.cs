using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>Turns what the observer gathered into the planner's snapshot.</summary>
internal static class SnapshotBuilder
{
    public static FleetSnapshot Build(FleetSpec fleet, FleetObservation observation, FleetIntentState intents) =>
        new(
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
            CycleGapOpenedAt = OpenGap(fleet, observation),
            Timeline = observation.Clock is { } clock ? new NetworkTimeline(clock, fleet.Node.Poet) : null,
            Node = new NodeCondition(observation.NodeSynced, observation.EventStreamDropped),

            // The gap whose proofs are due: the planner orders and admits against its close and its proof deadline.
            Window = observation.Clock is { } due ? new NetworkTimeline(due, fleet.Node.Poet).ProvingCycleGap(observation.At) : null,
        };

    private static DateTimeOffset? OpenGap(FleetSpec fleet, FleetObservation observation) =>
        observation.Clock is { } clock && new NetworkTimeline(clock, fleet.Node.Poet).CurrentOrNextCycleGap(observation.At) is var gap && gap.IsOpen(observation.At)
            ? gap.Opens
            : null;
}
