using System.Collections.Immutable;

namespace PostFleet.Core.Planning;

/// <summary>
/// A disk whose reads outlast the cycle gap, as units at stake: its reads in the order they are expected to run,
/// each one's end (seconds from the same instant as <see cref="SecondsLeft"/>, the reads back to back) and units; the
/// first <see cref="Readers"/> are being read now. What the gap pays for is whole proofs that land before it closes,
/// so a second on such a disk is worth nothing unless it moves a proof across the gap's end: hiding a k2pow that no
/// proof needs to make the gap gains nothing, and a failed pass's overlap that pushes one out loses all its units.
/// Seconds, as <see cref="ReentryOverlap"/> counts them elsewhere, averaged that away: disk-over-window lost a
/// 24-unit proof in one seed in ten for k2pow that never brought one in (docs/scheduling.md).
/// </summary>
public sealed record GapStakes(double SecondsLeft, ImmutableArray<double> Ends, ImmutableArray<double> Variances, ImmutableArray<double> Units, int Readers)
{
    /// <summary>
    /// A read's length varies by a few percent from pass to pass (issue 13; the bench draws 3%), and the disk's ends
    /// add them up: a proof near the gap's end makes it with a chance, not for sure.
    /// </summary>
    internal const double ReadSpread = 0.03;

    /// <summary>Below this, a read's end is as good as known (a minute: about one start-up).</summary>
    private const double SpreadFloor = 60;

    /// <summary>
    /// The units expected inside the gap from the reads at index <paramref name="from"/> on, if they all end
    /// <paramref name="shift"/> seconds later than planned (earlier when negative).
    /// </summary>
    public double ExpectedUnits(double shift, int from = 0)
    {
        double units = 0, variance = 0;
        for (var i = 0; i < Ends.Length; i++)
        {
            variance += Variances[i];
            if (i >= from)
            {
                var sigma = Math.Max(SpreadFloor, Math.Sqrt(variance));
                units += Units[i] * FinishChance.NormalCdf((SecondsLeft - Ends[i] - shift) / sigma);
            }
        }

        return units;
    }

    /// <summary>
    /// Whether the disk's proofs may end after the gap's end even if no pass fails: only then are its seconds worth
    /// units. One that ends before it unless a pass fails is weighed in seconds (the fleet's end; mixed-100 lost
    /// 1% of makespan when such disks were weighed in units, with no unit gained).
    /// </summary>
    public bool MayOutlastGap => Ends.Length > 0 && MayOutlast(Ends[^1], SecondsLeft);

    /// <summary>Whether reads of <paramref name="readsLeft"/> seconds may end after the gap's end, two spreads early.</summary>
    public static bool MayOutlast(double readsLeft, double gapSecondsLeft) => readsLeft * (1 + (2 * ReadSpread)) > gapSecondsLeft;

    /// <summary>
    /// The stakes from the proofs in order, starting now: each one's read, the k2pow before it that the disk waits
    /// through (0 when hidden behind the read before), and its units. Reads vary by <see cref="ReadSpread"/>, a
    /// k2pow as a sum of <paramref name="k2powDraws"/> exponential draws (<see cref="FinishChance.K2PowVariance"/>).
    /// </summary>
    public static GapStakes Of(double secondsLeft, IEnumerable<(double Read, double K2Pow, double Units)> proofs, int readers, int k2powDraws)
    {
        var ends = ImmutableArray.CreateBuilder<double>();
        var variances = ImmutableArray.CreateBuilder<double>();
        var units = ImmutableArray.CreateBuilder<double>();
        double at = 0;
        foreach (var (read, k2pow, u) in proofs)
        {
            at += Math.Max(0, read) + Math.Max(0, k2pow);
            ends.Add(at);
            variances.Add((read * read * ReadSpread * ReadSpread) + FinishChance.K2PowVariance(Math.Max(0, k2pow), k2powDraws));
            units.Add(u);
        }

        return new GapStakes(secondsLeft, ends.ToImmutable(), variances.ToImmutable(), units.ToImmutable(), readers);
    }
}
