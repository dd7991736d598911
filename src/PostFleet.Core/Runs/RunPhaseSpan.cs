namespace PostFleet.Core.Runs;

public enum RunPhaseKind
{
    /// <summary>The proof of work before a pass reads (post-service.md §4): no disk, all CPU.</summary>
    K2Pow,

    /// <summary>One pass over the data, from the position first seen reading to the last.</summary>
    Read,
}

/// <summary>
/// One phase of one pass of a run. A pass is named by its nonces (<see cref="NonceStart"/>); a run that finds no
/// proof in a pass runs k2pow again for the next (a re-entry), so a run has k2pow, read, k2pow, read, ...
/// </summary>
/// <param name="Start">When the phase began: a run's first k2pow at the run's start, a later one when the planner saw it begin.</param>
/// <param name="End">When it ended; null while it goes on.</param>
/// <param name="Seen">The last sight of the phase (a read that ends unseen ended about then).</param>
/// <param name="Bytes">Bytes the pass read (reads only).</param>
/// <param name="Rate">Bytes per second of the read: the planner's learned rate once the pass ended, its seen rate while it goes on.</param>
public sealed record RunPhaseSpan(RunPhaseKind Kind, ulong NonceStart, DateTimeOffset Start, DateTimeOffset? End, DateTimeOffset Seen, ulong Bytes, double? Rate)
{
    public bool Open => End is null;

    /// <summary>Seconds the phase took, or has taken by <paramref name="now"/> while it goes on.</summary>
    public double Seconds(DateTimeOffset now) => Math.Max(0, ((End ?? now) - Start).TotalSeconds);
}
