namespace PostFleet.Core.Planning;

/// <summary>Which readers hold a k2pow slot against a candidate: those with a predicted pass end before the threshold.</summary>
/// <param name="Before">How many of the predictable ends fall before the threshold (all of them with no threshold).</param>
/// <param name="ExcludedDisk">The candidate's disk when it is a timed pipelined successor (its readers do not hold).</param>
/// <param name="Resource">Where the k2pow runs (<see cref="K2PowResource"/> key): each resource has its own readers.</param>
internal readonly record struct HeldKey(int Before, string? ExcludedDisk, string Resource = "");

/// <summary>
/// The pass's readers indexed for <see cref="K2PowReservation"/>: every candidate of a pass asks how many readers
/// hold a slot against its k2pow, and scanning (and listing) every reader for each one was most of a pass's time at
/// 1,000 identities. The readers with a predictable end, sorted, answer by binary search; the set only depends on
/// how many ends fall before the candidate's threshold, so one key names it.
/// </summary>
internal sealed class HeldReaders
{
    private readonly long[] _ends;
    private readonly int _unpredictable;
    private readonly Dictionary<string, List<PassInProgress>> _byDisk = new(StringComparer.Ordinal);
    private readonly int _all;

    public HeldReaders(IReadOnlyList<PassInProgress> readers)
    {
        var ends = new List<long>(readers.Count);
        foreach (var reader in readers)
        {
            if (reader.EndsIn is { } endsIn)
            {
                ends.Add(endsIn.Ticks);
            }
            else
            {
                _unpredictable++;
            }

            if (!_byDisk.TryGetValue(reader.Disk, out var onDisk))
            {
                _byDisk[reader.Disk] = onDisk = [];
            }

            onDisk.Add(reader);
        }

        _ends = [.. ends];
        Array.Sort(_ends);
        _all = readers.Count;
    }

    /// <summary>
    /// Readers held against a k2pow that would end at <paramref name="threshold"/> (null: unknown, every reader
    /// holds), not counting those of <paramref name="excludedDisk"/>. The same as <see cref="K2PowReservation.Against"/>'s count.
    /// </summary>
    public (int Count, HeldKey Key) Count(TimeSpan? threshold, string? excludedDisk)
    {
        var before = threshold is { } t ? LowerBound(t.Ticks) : _ends.Length;
        var count = threshold is null ? _all : _unpredictable + before;
        if (excludedDisk is null || !_byDisk.TryGetValue(excludedDisk, out var onDisk))
        {
            return (count, new HeldKey(before, null));
        }

        foreach (var reader in onDisk)
        {
            if (threshold is not { } limit || reader.EndsIn is not { } endsIn || endsIn < limit)
            {
                count--;
            }
        }

        return (count, new HeldKey(before, excludedDisk));
    }

    private int LowerBound(long ticks)
    {
        int lo = 0, hi = _ends.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ends[mid] < ticks)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
