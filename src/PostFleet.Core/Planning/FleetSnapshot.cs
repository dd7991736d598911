using System.Collections.Immutable;
using PostFleet.Core.Model;
using PostFleet.Core.Timeline;

namespace PostFleet.Core.Planning;

/// <summary>
/// Everything one reconcile pass observed, gathered before <see cref="Planner.Decide"/> runs.
/// </summary>
/// <param name="ObservedAt">When the observation finished (the loop passes the same instant as <c>now</c>).</param>
/// <param name="NodeReachable">False when PostStates failed: then <see cref="Identities"/> is not to be trusted.</param>
/// <param name="Identities">PostStates rows by identity name (key file name without ".key").</param>
/// <param name="Runs">The runtime's runs by service name, live or exited-but-not-forgotten; absent = no run.</param>
/// <param name="Statuses">Operator /status of live runs by service name; absent = not polled (treated as no answer).</param>
/// <param name="NewEvents">Node events received since the previous pass (the stream's replay included).</param>
/// <param name="Intents">What the user asked for from the dashboard or CLI.</param>
public sealed record FleetSnapshot(
    DateTimeOffset ObservedAt,
    bool NodeReachable,
    IReadOnlyDictionary<string, IdentityState> Identities,
    IReadOnlyDictionary<string, RuntimeInstance> Runs,
    IReadOnlyDictionary<string, ServiceStatus> Statuses,
    IReadOnlyList<NodeEvent> NewEvents,
    UserIntents Intents)
{
    /// <summary>
    /// The network's timeline (the node's clock, the config's PoET timings); null until the node answered once. It
    /// tells the planner this round's proof deadline.
    /// </summary>
    public NetworkTimeline? Timeline { get; init; }

    /// <summary>What the daemon saw of the node process itself: its sync state and event-stream reconnects.</summary>
    public NodeCondition Node { get; init; } = NodeCondition.Unknown;

    /// <summary>
    /// The cycle gap whose proofs are due now (open, or closed with its proof deadline still ahead); null while the
    /// node's clock is not known. Without it the planner judges no deadline and keeps the earliest-finish order.
    /// </summary>
    public CycleGapWindow? Window { get; init; }

    /// <summary>
    /// The node's event stream has sent its replay since the daemon last (re)subscribed (or there is no stream to wait
    /// for): what was replayed is in <see cref="NewEvents"/> by now. While false, a round the planner did not see begin
    /// is not started (<see cref="DecisionCode.AwaitingEventReplay"/>).
    /// </summary>
    public bool EventReplayRead { get; init; } = true;

    public NodePostState? NodeStateOf(string service) =>
        For(service).NodeReachable && Identities.TryGetValue(service, out var identity) ? identity.State : null;

    /// <summary>
    /// Several nodes: each node's side of this snapshot by node name (its reachability, timeline, cycle gap and
    /// condition; the identities, runs and statuses are the fleet's). Empty for one node: this snapshot is its side.
    /// </summary>
    public ImmutableDictionary<string, FleetSnapshot> NodeSides { get; init; } = ImmutableDictionary<string, FleetSnapshot>.Empty;

    /// <summary>Several nodes: the node of each identity by service name (empty for one node).</summary>
    public ImmutableDictionary<string, string> NodeOfService { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>
    /// The snapshot as this service's node sees it: that node's reachability, clock, cycle gap, proof deadline and
    /// condition. A proof is due by its own node's deadline, whatever another node's clock says.
    /// </summary>
    public FleetSnapshot For(string service) =>
        NodeOfService.TryGetValue(service, out var node) && NodeSides.TryGetValue(node, out var side) ? side : this;

    /// <summary>Every node's side (this snapshot alone for one node).</summary>
    public IEnumerable<FleetSnapshot> Sides => NodeSides.IsEmpty ? [this] : NodeSides.Values;

    public RuntimeInstance? LiveRun(string service) =>
        Runs.TryGetValue(service, out var run) && run.Running ? run : null;

    public ServiceStatus? StatusOf(string service) => Statuses.GetValueOrDefault(service);

    /// <summary>
    /// When the cycle gap that is open at <see cref="ObservedAt"/> opened; null when none is open or the network
    /// clock is not known yet. While it is open the node may turn any IDLE identity PROVING at any moment, silently.
    /// </summary>
    public DateTimeOffset? CycleGapOpenedAt { get; init; }
}

/// <summary>
/// User intents per service. They change desired state only; the planner turns them into actions.
/// </summary>
/// <param name="Paused">Never start; a running service is left alone (a stop would lose its progress).</param>
/// <param name="ForcedStops">Stop now even while PROVING, and keep stopped until the intent is removed.</param>
/// <param name="ProveNow">Start first and ignore <c>after</c> dependencies; the caps still hold.</param>
/// <param name="SkipEpoch">Do not start for the current proving round (the identity misses this epoch).</param>
public sealed record UserIntents(
    ImmutableHashSet<string> Paused,
    ImmutableHashSet<string> ForcedStops,
    ImmutableHashSet<string> ProveNow,
    ImmutableHashSet<string> SkipEpoch)
{
    public static readonly UserIntents None = new([], [], [], []);

    /// <summary>The user has taken this service out of the round: it will not prove, so dependents need not wait.</summary>
    public bool WillNotProve(string service) => Paused.Contains(service) || ForcedStops.Contains(service) || SkipEpoch.Contains(service);
}

/// <summary>
/// The node process as the daemon saw it in this pass, beside PostStates: a restarted node lists every identity
/// IDLE and is not synced until its ATX sync is done (go-spacemesh only asks for proofs again after that).
/// </summary>
/// <param name="Synced">NodeService.Status <c>is_synced</c>; null when not asked or not answered.</param>
/// <param name="StreamResubscribed">The event stream ended and was subscribed again since the previous pass.</param>
public sealed record NodeCondition(bool? Synced, bool StreamResubscribed)
{
    public static readonly NodeCondition Unknown = new(null, false);
}
