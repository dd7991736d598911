using System.Collections.Immutable;

namespace PostFleet.Core.Init;

public enum IdentityInitState
{
    /// <summary>Waiting for its disk or the global cap.</summary>
    Pending,
    Running,

    /// <summary>postcli ended; the files are being checked.</summary>
    Verifying,

    /// <summary>Verified complete (this run, or already before it: no postcli run).</summary>
    Done,
    Failed,

    /// <summary>Not started because the run was cancelled.</summary>
    Cancelled,
}

/// <summary>One identity's progress; bytes are the sum of its postdata_*.bin sizes.</summary>
public sealed record IdentityProgress(
    string Name,
    string Disk,
    IdentityInitState State,
    ulong BytesWritten,
    ulong BytesTotal,
    double BytesPerSecond,
    TimeSpan? Eta,
    string? Problem)
{
    public double Fraction => BytesTotal == 0 ? 1 : Math.Min(1, (double)BytesWritten / BytesTotal);
}

/// <summary>
/// An immutable snapshot of a whole init, published every tick: the console draws it, and a daemon API can serve it
/// as is. <see cref="Version"/> grows with every snapshot so a consumer can skip ones it has seen.
/// </summary>
public sealed record InitProgress(long Version, DateTimeOffset At, ImmutableArray<IdentityProgress> Identities)
{
    public ulong BytesWritten => Identities.Aggregate(0UL, (sum, i) => sum + Math.Min(i.BytesWritten, i.BytesTotal));

    public ulong BytesTotal => Identities.Aggregate(0UL, (sum, i) => sum + i.BytesTotal);

    public double Fraction => BytesTotal == 0 ? 1 : (double)BytesWritten / BytesTotal;

    /// <summary>What all running postcli processes write together.</summary>
    public double BytesPerSecond => Identities.Where(i => i.State == IdentityInitState.Running).Sum(i => i.BytesPerSecond);

    /// <summary>Remaining bytes at the current combined rate; null until a rate is known.</summary>
    public TimeSpan? Eta => ProgressMath.Eta(BytesTotal - BytesWritten, BytesPerSecond);

    public int Count(IdentityInitState state) => Identities.Count(i => i.State == state);
}
