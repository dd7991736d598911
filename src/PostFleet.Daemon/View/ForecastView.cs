namespace PostFleet.Daemon.View;

/// <summary>
/// The predicted schedule of a cycle gap (the open one, else the next) with the daemon's learned estimates.
/// Row times are seconds from the gap's opening; the absolute times are there when the network clock is known.
/// </summary>
public sealed record ForecastView(
    DateTimeOffset At,
    ForecastGapView? Gap,
    double WindowSeconds,
    double? DeadlineSeconds,
    double MakespanSeconds,
    double CpuBusySeconds,
    int PowSlots,
    IReadOnlyList<ForecastRowView> Rows,
    IReadOnlyList<string> Warnings,
    ForecastAssumptionsView Assumptions);

public sealed record ForecastGapView(uint PublishEpoch, DateTimeOffset Opens, DateTimeOffset Closes, DateTimeOffset ProofDeadline, bool IsOpen);

/// <summary>
/// One service: <see cref="Source"/> is "measured" when both its k2pow time and its disk's read rate were
/// learned, else "assumed" (at least one comes from <see cref="ForecastAssumptionsView"/>).
/// </summary>
public sealed record ForecastRowView(
    string Service,
    string Disk,
    double K2PowStartSeconds,
    double ReadStartSeconds,
    double EndSeconds,
    string Source,
    DateTimeOffset? K2PowStartAt,
    DateTimeOffset? ReadStartAt,
    DateTimeOffset? EndAt,
    bool PastWindow,
    bool PastDeadline)
{
    /// <summary>The planner's window order for this proof (ProvingOrder): "in-gap", "before-deadline" or "will-miss".</summary>
    public string Outlook { get; init; } = "in-gap";
}

public sealed record ForecastAssumptionsView(double DiskMibPerSecond, double K2PowHashRate);
