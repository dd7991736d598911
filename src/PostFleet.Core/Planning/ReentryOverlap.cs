using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>What pipelining onto a reader's pass is expected to cost and to save.</summary>
internal readonly record struct OverlapRisk(double FailureChance, TimeSpan ExpectedCost, TimeSpan ExpectedSaving);

/// <summary>
/// Pipelined mode times a successor's k2pow to end as its disk's reader finishes. If that pass finds no proof, the
/// reader re-enters k2pow and then reads all its data again, while the successor reads: two readers share the disk
/// until one is done, and seeks make that slower than reading one after the other by the disk's two-reader penalty,
/// learned from the read rates seen with one and with two readers (<see cref="ProvingEstimates.TwoReaderPenaltyOf"/>).
/// Nothing can stop the re-entry, and a PROVING service is never stopped, so the only choice is before the start.
/// Pipelining saves the successor's k2pow of disk idle when the pass succeeds; it costs about the shorter of the
/// two reads when it fails (two readers at seek penalty 0.5 take 1.5× as long for both reads: the shorter one's time
/// is lost; an HDD at 1.0 loses twice that). The successor waits for the disk (as in exclusive mode) when the cost
/// outweighs the saving. The bench (docs/scheduling.md) prefers this to always pipelining (up to 1.54× → 1.15× the
/// bound with failed passes) at a cost of ≤ 2% of makespan when no pass fails.
/// </summary>
internal static class ReentryOverlap
{
    public static OverlapRisk? Outweighs(ServiceSpec successor, TimeSpan successorK2Pow, IReadOnlyList<string> readers, StartContext c)
    {
        var failure = c.PassFailureChance;
        if (failure <= 0)
        {
            return null;
        }

        var ownRead = c.Estimates.ReadSeconds(successor, c.Spec.Post);
        double worst = 0;
        foreach (var name in readers)
        {
            if (c.ByName.TryGetValue(name, out var reader) && c.Estimates.ReadSeconds(reader, c.Spec.Post) is { } read)
            {
                worst = Math.Max(worst, ownRead is { } own ? Math.Min(own, read) : read);
            }
        }

        var (cost, saving) = Expected(failure, successorK2Pow.TotalSeconds, worst, c.Estimates.TwoReaderPenaltyOf(successor.Disk));
        return cost > saving ? new OverlapRisk(failure, TimeSpan.FromSeconds(Math.Round(cost)), TimeSpan.FromSeconds(Math.Round(saving))) : null;
    }

    /// <summary>Whether the forecast should time a successor's k2pow to the end of the read before it (the same rule).</summary>
    public static bool Pipelines(double failure, double successorK2PowSeconds, double overlapReadSeconds, double penalty = ProvingEstimates.AssumedTwoReaderPenalty)
    {
        var (cost, saving) = Expected(failure, successorK2PowSeconds, overlapReadSeconds, penalty);
        return cost <= saving;
    }

    /// <summary>
    /// Two readers of a disk with penalty p take (1 + p) × as long for both reads as one after the other would
    /// take for them together; over the shorter read that loses about 2p × its time (p = 0.5: the shorter read).
    /// </summary>
    private static (double Cost, double Saving) Expected(double failure, double successorK2PowSeconds, double overlapReadSeconds, double penalty) =>
        (failure * 2 * penalty * overlapReadSeconds, (1 - failure) * successorK2PowSeconds);
}
