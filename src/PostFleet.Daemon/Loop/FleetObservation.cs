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
    IReadOnlyList<NodeEvent> Events);
