using PostFleet.Core.Model;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>Everything one reconcile pass saw, gathered from all sources before anything is decided.</summary>
public sealed record FleetObservation(
    DateTimeOffset At,
    bool NodeReachable,
    string? NodeError,
    NetworkClock? Clock,
    IReadOnlyDictionary<string, IdentityState> Identities,
    IReadOnlyList<RuntimeInstance> Runs,
    IReadOnlyDictionary<string, ServiceStatus> Statuses,
    IReadOnlyList<NodeEvent> Events)
{
    /// <summary>What the logs of runs that are not proving say is wrong, by service name.</summary>
    public IReadOnlyDictionary<string, ServiceProblem> Problems { get; init; } = new Dictionary<string, ServiceProblem>();

    /// <summary>NodeService.Status is_synced, asked while a run is live (null: not asked, or no answer).</summary>
    public bool? NodeSynced { get; init; }

    /// <summary>The node's event stream ended since the previous pass (and is being subscribed again).</summary>
    public bool EventStreamDropped { get; init; }

    /// <summary>The event stream's replay since the last (re)subscribe is in <see cref="Events"/> (or in an earlier pass's).</summary>
    public bool EventReplayRead { get; init; } = true;
}
