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
    FleetSummaryView Summary);

public sealed record NodeView(bool Reachable, string? Error, string PostListener, int Identities);

/// <summary>Network clock and the cycle gap that matters now (open, or next to open).</summary>
public sealed record NetworkView(
    DateTimeOffset Genesis,
    double LayerSeconds,
    uint LayersPerEpoch,
    uint CurrentLayer,
    uint CurrentEpoch,
    CycleGapView CycleGap);

public sealed record CycleGapView(
    uint PublishEpoch,
    DateTimeOffset Opens,
    DateTimeOffset NextChallengeAt,
    DateTimeOffset Closes,
    DateTimeOffset ProofDeadline,
    bool IsOpen);

public sealed record DiskView(string Name, IReadOnlyList<string> Services);

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
    uint? LastDeliveredEpoch);

/// <summary>An edge of the proving DAG: kind is "disk-order" (same disk, config order) or "after" (explicit).</summary>
public sealed record DagEdgeView(string From, string To, string Kind);

public sealed record ScheduleView(int PerDisk, int MaxPow, int MaxRunning);

public sealed record FleetSummaryView(int Services, int Proving, int Running, int K2Pow, int Reading, int Delivered, int Failed);
