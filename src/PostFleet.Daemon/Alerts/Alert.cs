namespace PostFleet.Daemon.Alerts;

/// <summary>The conditions PostFleet alerts on. Strings, not an enum: they are the wire names in webhooks and the API.</summary>
public static class AlertKinds
{
    public const string ProofFailed = "proof-failed";
    public const string CrashLoop = "crash-loop";
    public const string PredictedMiss = "predicted-miss";
    public const string NodeUnreachable = "node-unreachable";
    public const string DeliveredLate = "delivered-late";
    public const string ServiceProblem = "service-problem";
    public const string HistoryFault = "history-fault";

    public static readonly IReadOnlyList<string> All = [ProofFailed, CrashLoop, PredictedMiss, NodeUnreachable, DeliveredLate, ServiceProblem, HistoryFault];
}

/// <summary>
/// An open alert. <see cref="Key"/> identifies the condition (kind + service + epoch where it matters) so the same
/// condition fires once and resolves once, however many passes see it.
/// </summary>
public sealed record Alert(string Key, string Kind, string? Service, string Severity, string Summary, DateTimeOffset Since);

/// <summary>An alert that just fired, or just resolved: what the webhooks are told.</summary>
public sealed record AlertChange(Alert Alert, bool Resolved, DateTimeOffset At, string Message);

public sealed record AlertEvaluation(IReadOnlyList<Alert> Open, IReadOnlyList<AlertChange> Changes);

/// <summary>Thresholds for the rules that need one.</summary>
public sealed record AlertRules
{
    /// <summary>Restarts within the current cycle gap from which a service counts as crash-looping.</summary>
    public int CrashLoopRestarts { get; init; } = Core.Configuration.ConfigDefaults.CrashLoopRestarts;

    /// <summary>False turns predicted-miss alerts off (the estimate can be noisy before a fleet has history).</summary>
    public bool PredictedMiss { get; init; } = Core.Configuration.ConfigDefaults.PredictedMiss;

    /// <summary>
    /// The same failure in a row in a service's log (connect, refused register) before it is an alert: one refused
    /// connect while the node starts up is normal.
    /// </summary>
    public int ServiceProblemRepeats { get; init; } = 3;

    public static AlertRules From(Core.Configuration.AlertSettings settings) =>
        new() { CrashLoopRestarts = settings.CrashLoopRestarts, PredictedMiss = settings.PredictedMiss };
}
