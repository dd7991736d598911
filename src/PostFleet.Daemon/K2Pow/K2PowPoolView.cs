namespace PostFleet.Daemon.K2Pow;

/// <summary>A job as the API shows it.</summary>
public sealed record K2PowJobView(string? Service, string Miner, int Group, string Challenge, string State, DateTimeOffset QueuedAt, DateTimeOffset? DispatchedAt, int Dispatches);

/// <summary>A job a worker returned (200 or 500), kept for an hour so the service can fetch it.</summary>
public sealed record K2PowDoneJob(string? Service, string Miner, int Group, string Challenge, int Status, string? Worker, int Dispatches, DateTimeOffset QueuedAt, DateTimeOffset? DispatchedAt, DateTimeOffset FinishedAt);

/// <summary>One worker: health, what it is doing for whom, and its speed (configured and learned).</summary>
public sealed record K2PowWorkerState(
    string Name,
    string Url,
    bool Managed,
    bool? Healthy,
    string Detail,
    bool BusyElsewhere,
    K2PowJobView? Job,
    double? LearnedHashRate,
    double? ConfiguredHashRate,
    int? Cores,
    int JobsDone,
    int JobsLost,
    DateTimeOffset? LastAnswer)
{
    /// <summary>Managed workers only: the process and how often it was restarted.</summary>
    public ManagedWorkerState? Process { get; init; }
}

public sealed record ManagedWorkerState(int? Pid, int Restarts, DateTimeOffset? StartedAt, DateTimeOffset? NextStartAt, string? LastExit);

public sealed record K2PowRouterSnapshot(
    DateTimeOffset At,
    IReadOnlyList<K2PowWorkerState> Workers,
    IReadOnlyList<K2PowJobView> Queue,
    IReadOnlyList<K2PowDoneJob> Done,
    RouterCounters Counters);

/// <summary>GET /api/v1/k2pow: the pool, its router's address and who uses it.</summary>
public sealed record K2PowPoolView(
    string RouterUrl,
    string Listen,
    int Parallelism,
    int BackoffSeconds,
    int MaxPow,
    IReadOnlyList<string> RoutedServices,
    IReadOnlyDictionary<string, string> DirectServices,
    K2PowRouterSnapshot Router);
