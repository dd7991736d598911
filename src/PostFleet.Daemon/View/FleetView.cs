using PostFleet.Core.Configuration;
namespace PostFleet.Daemon.View;

// The API model (third model, beside the YAML DTOs and the core's records): what the dashboard, the REST API,
// `postfleet status` and the metrics see. Plain serialisable records; camelCase in JSON.

/// <summary>The whole fleet as of the last reconcile pass.</summary>
public sealed record FleetView(
    DateTimeOffset At,
    long Pass,
    bool Paused,
    NodeView Node,
    NetworkView? Network,
    IReadOnlyList<DiskView> Disks,
    IReadOnlyList<ServiceView> Services,
    IReadOnlyList<DagEdgeView> Edges,
    ScheduleView Schedule,
    FleetSummaryView Summary)
{
    /// <summary>
    /// Every node the fleet serves, each with its clock and cycle gap, in config order. <see cref="Node"/> and
    /// <see cref="Network"/> are the fleet-wide summary (reachable only when all are; the first node's clock).
    /// </summary>
    public IReadOnlyList<NodeView> Nodes { get; init; } = [];

    /// <summary>Whether the history file takes writes (null from a daemon that predates it).</summary>
    public HistoryView? History { get; init; }
}

public sealed record NodeView(bool Reachable, string? Error, string PostListener, int Identities)
{
    /// <summary>Its name (<c>nodes[].name</c>); "node" for the single <c>node:</c>.</summary>
    public string Name { get; init; } = ConfigDefaults.NodeName;

    /// <summary>This node's own clock and cycle gap (each node of a fleet has its own genesis and PoET phase).</summary>
    public NetworkView? Network { get; init; }

    /// <summary>NodeService.Status is_synced when it was asked (while a run is live); null otherwise.</summary>
    public bool? Synced { get; init; }

    /// <summary>A node restart the planner is riding out (runs kept with their progress); null when none.</summary>
    public NodeRestartView? Restart { get; init; }
}

/// <summary>"node restarted / syncing: keeping N proofs in progress" and since when.</summary>
public sealed record NodeRestartView(DateTimeOffset Since, int Kept, string Message);

/// <summary>Network clock and the cycle gap that matters now (open, or next to open).</summary>
public sealed record NetworkView(
    DateTimeOffset Genesis,
    double LayerSeconds,
    uint LayersPerEpoch,
    uint CurrentLayer,
    uint CurrentEpoch,
    CycleGapView CycleGap)
{
    /// <summary>
    /// The gap whose proofs the node takes now. <see cref="CycleGap"/> moves on as soon as a gap closes, while
    /// proofs for the closed one are still taken until its deadline; a separate field keeps cycleGap's meaning
    /// for existing consumers. Null from a daemon that predates it.
    /// </summary>
    public ProofsDueView? ProofsDue { get; init; }
}

/// <summary>
/// Proofs for <see cref="PublishEpoch"/> are due by <see cref="ProofDeadline"/>: the open gap's, or a closed
/// gap's (<see cref="GapClosed"/>) until its deadline passes, else the next gap's.
/// </summary>
public sealed record ProofsDueView(uint PublishEpoch, DateTimeOffset ProofDeadline, bool GapClosed);

public sealed record CycleGapView(
    uint PublishEpoch,
    DateTimeOffset Opens,
    DateTimeOffset NextChallengeAt,
    DateTimeOffset Closes,
    DateTimeOffset ProofDeadline,
    bool IsOpen);

public sealed record DiskView(string Name, IReadOnlyList<string> Services)
{
    /// <summary>The machine the disk is in (disks[].host), which the dashboard groups by; null when not configured.</summary>
    public string? Host { get; init; }
}

/// <summary>
/// One identity's service. <see cref="Phase"/>: not-running, starting, k2pow, reading, done-proving, idle,
/// unreachable. <see cref="DagState"/> is the colour in the proving DAG: waiting, k2pow, reading, done,
/// delivered, failed, idle.
/// </summary>
public sealed record ServiceView(
    string Name,
    string Disk,
    uint NumUnits,
    string OperatorAddress,
    IReadOnlyList<string> After,
    string? NodeState,
    string Phase,
    string DagState,
    ulong? NonceStart,
    ulong? NonceEnd,
    ulong? Position,
    ulong DataBytes,
    double ReadFraction,
    DateTimeOffset? RunningSince,
    string? InstanceId,
    string? LogPath,
    string? DecisionCode,
    string? DecisionMessage,
    uint? LastDeliveredEpoch)
{
    // Extra facts for alerts, metrics and the service page. Init-only with defaults so the loop's existing
    // construction keeps compiling; the loop fills what it knows.

    /// <summary>Times the runtime restarted (or found dead) this service in the current cycle gap.</summary>
    public int Restarts { get; init; }

    /// <summary>Seconds the last measured k2pow took (the planner's memory), when known.</summary>
    public double? K2PowSeconds { get; init; }

    /// <summary>Bytes per second: the live read's rate so far, else the last pass's rate the planner learned.</summary>
    public double? ReadRate { get; init; }

    /// <summary>Seconds the last completed proof took, start to delivery.</summary>
    public double? LastProofSeconds { get; init; }

    /// <summary>The loop's projection of when this service's proof will be done (null when not proving/queued).</summary>
    public DateTimeOffset? EstimatedFinish { get; init; }

    public DateTimeOffset? LastDeliveredAt { get; init; }

    /// <summary>True when the last delivery came after its cycle gap's proof deadline.</summary>
    public bool LastDeliveryLate { get; init; }

    /// <summary>What the service's own log says is wrong (cannot connect, refused, exited), with what to change.</summary>
    public ServiceProblemView? Problem { get; init; }

    /// <summary>The node this identity belongs to (<c>nodes[].name</c>; "node" for the single <c>node:</c>).</summary>
    public string Node { get; init; } = ConfigDefaults.NodeName;
}

/// <summary><see cref="Kind"/>: cannot-connect, register-refused or exited; <see cref="Repeats"/>: the same failure in a row.</summary>
public sealed record ServiceProblemView(string Kind, string Summary, string Hint, string LogLine, int Repeats);

/// <summary>An edge of the proving DAG: kind is "disk-order" (same disk, config order) or "after" (explicit).</summary>
public sealed record DagEdgeView(string From, string To, string Kind);

public sealed record ScheduleView(int PerDisk, int MaxPow, int MaxRunning);

public sealed record FleetSummaryView(int Services, int Proving, int Running, int K2Pow, int Reading, int Delivered, int Failed);

/// <summary>
/// The history file's health. <see cref="Fault"/> is why writes fail (full disk, read-only file) while proving goes
/// on; <see cref="RowsPending"/> wait in memory for the file, <see cref="RowsLost"/> will never reach it.
/// </summary>
public sealed record HistoryView(string Path, bool Writable, string? Fault, DateTimeOffset? FaultSince, DateTimeOffset? LastWrite, long RowsLost, int RowsPending)
{
    public static HistoryView Of(string path, Storage.HistoryHealth health) =>
        new(path, !health.Faulted, health.Fault, health.FaultSince, health.LastWrite, health.RowsLost, health.RowsPending);
}
