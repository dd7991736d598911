using PostFleet.Core.Model;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Everything one reconcile pass saw, gathered from all sources before anything is decided. With several nodes the
/// node fields are the fleet's (reachable only when every node answered, the first node's clock, every node's
/// identities and events) and <see cref="Nodes"/> holds each node's own.
/// </summary>
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

    /// <summary>
    /// When each live run's status in <see cref="Statuses"/> was read (read in the background, so it may be older than
    /// <see cref="At"/>); a run with no answer yet, or only a stale one, is not listed and its status is Unreachable.
    /// </summary>
    public IReadOnlyDictionary<string, DateTimeOffset> StatusReadAt { get; init; } = new Dictionary<string, DateTimeOffset>();

    /// <summary>
    /// Where the observation's time went: the runtime's list of runs, then the wait for every node's answers (asked
    /// with the list, so this is what they took beyond it), then the log tails of ended runs.
    /// </summary>
    public (TimeSpan Runtime, TimeSpan Nodes, TimeSpan Logs) Took { get; init; }

    /// <summary>Each node's own observation, in config order (one entry for a one-node fleet; empty when built by hand).</summary>
    public IReadOnlyList<NodeObservation> Nodes { get; init; } = [];

    /// <summary>The clock of the node that lists <paramref name="identity"/> (its epochs), else the first node's.</summary>
    public NetworkClock? ClockOf(string identity) =>
        Nodes.FirstOrDefault(n => n.Identities.ContainsKey(identity))?.Clock ?? Clock;
}

/// <summary>One node's part of an observation: its PostStates, clock, events and condition.</summary>
public sealed record NodeObservation(
    string Name,
    bool Reachable,
    string? Error,
    NetworkClock? Clock,
    IReadOnlyDictionary<string, IdentityState> Identities,
    IReadOnlyList<NodeEvent> Events,
    bool? Synced,
    bool StreamDropped)
{
    /// <summary>This node's event replay since its last (re)subscribe is in <see cref="Events"/> (or an earlier pass's).</summary>
    public bool ReplayRead { get; init; } = true;
}
