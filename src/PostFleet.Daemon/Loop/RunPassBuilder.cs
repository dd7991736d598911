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
        var names = observation.Identities.Values.ToDictionary(i => i.Id, i => i.Name);
        var events = new List<(string, NodeEvent)>();
        foreach (var e in observation.Events)
        {
            if (Smesher(e) is { } id && names.TryGetValue(id, out var name))
            {
                events.Add((name, e));
            }
        }

        var stops = outcomes.Select(o => o.Action).OfType<PlannedAction.StopService>().Select(s => s.Run.InstanceId).ToHashSet(StringComparer.Ordinal);
        var bytes = fleet.Services.ToDictionary(s => s.Name, s => ServicePhases.DataBytes(s, fleet.Post), StringComparer.Ordinal);
        return new RunPass(observation.At, observation.Runs, observation.Statuses, events, stops, before, plan.Next, bytes, observation.Clock);
    }

    private static NodeId? Smesher(NodeEvent e) => e switch
    {
        NodeEvent.PostStarted s => s.Smesher,
        NodeEvent.PostCompleted c => c.Smesher,
        NodeEvent.PostFailed f => f.Smesher,
        _ => null,
    };
}
