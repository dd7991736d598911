using System.Runtime.CompilerServices;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Runs;

namespace PostFleet.Daemon.Loop;

/// <summary>Turns what a pass saw, planned and did into the run model's input (<see cref="RunPass"/>).</summary>
internal static class RunPassBuilder
{
    public static RunPass Of(FleetSpec fleet, FleetObservation observation, PlannerMemory before, Plan plan, IReadOnlyList<ActionOutcome> outcomes)
    {
        // The identities by id only for a pass with node events (most have none; 1,000 entries each time).
        Dictionary<NodeId, string>? names = null;
        var events = new List<(string, NodeEvent)>();
        foreach (var e in observation.Events)
        {
            if (Smesher(e) is { } id && (names ??= observation.Identities.Values.ToDictionary(i => i.Id, i => i.Name)).TryGetValue(id, out var name))
            {
                events.Add((name, e));
            }
        }

        var stops = outcomes.Select(o => o.Action).OfType<PlannedAction.StopService>().Select(s => s.Run.InstanceId).ToHashSet(StringComparer.Ordinal);
        return new RunPass(observation.At, observation.Runs, observation.Statuses, events, stops, before, plan.Next, DataBytes.GetValue(fleet, DataBytesOf), observation.Clock);
    }

    /// <summary>Each service's data size follows from the config alone: computed once per config, not per pass.</summary>
    private static readonly ConditionalWeakTable<FleetSpec, IReadOnlyDictionary<string, ulong>> DataBytes = [];

    private static IReadOnlyDictionary<string, ulong> DataBytesOf(FleetSpec fleet) =>
        fleet.Services.ToDictionary(s => s.Name, s => ServicePhases.DataBytes(s, fleet.Post), StringComparer.Ordinal);

    private static NodeId? Smesher(NodeEvent e) => e switch
    {
        NodeEvent.PostStarted s => s.Smesher,
        NodeEvent.PostCompleted c => c.Smesher,
        NodeEvent.PostFailed f => f.Smesher,
        _ => null,
    };
}
