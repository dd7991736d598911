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
        double worst = 0, reread = 0;
        foreach (var name in readers)
        {
            if (c.ByName.TryGetValue(name, out var reader) && c.Estimates.ReadSeconds(reader, c.Spec.Post) is { } read)
            {
                worst = Math.Max(worst, ownRead is { } own ? Math.Min(own, read) : read);
                reread = Math.Max(reread, read);
            }
        }

        var penalty = c.Estimates.TwoReaderPenaltyOf(successor.Disk);
        var k2pow = successorK2Pow.TotalSeconds;
        var (cost, saving) = Expected(failure, k2pow, worst, penalty);
        if (EndThatCounts(successor, c) is { } counts)
        {
            // Only what moves the end that counts is worth anything: the busiest other disk's (the fleet's makespan),
            // or the gap's end when that comes first. A disk with room before it absorbs a failed pass's overlap, and
            // gains nothing by hiding a k2pow; one near it loses the whole overlap when its pass fails.
            var end = c.DiskWork.Seconds.GetValueOrDefault(successor.Disk);
            double Late(double x) => Math.Max(x, counts);
            cost = failure * (Late(end + reread + (2 * penalty * worst)) - Late(end + reread));
            saving = (1 - failure) * (Late(end + k2pow) - Late(end));
        }

        return cost > saving ? new OverlapRisk(failure, TimeSpan.FromSeconds(Math.Round(cost)), TimeSpan.FromSeconds(Math.Round(saving))) : null;
    }

    /// <summary>
    /// The time from now that the successor's disk is measured against: the most reading left on another disk of the
    /// fleet, or the cycle gap's end if sooner. Null with one disk (its own end is the fleet's).
    /// </summary>
    private static double? EndThatCounts(ServiceSpec successor, StartContext c)
    {
        if (c.Spec.Disks.Length < 2)
        {
            return null;
        }

        // When some disk's reads alone outlast the gap, what counts is units in the gap, and every second on such a
        // disk costs them: the expected disk-seconds decide, as without this rule.
        var others = c.DiskWork.BusiestOtherThan(successor.Disk);
        return c.Snapshot.For(successor.Name).Window is not null && c.Outlook.WindowOf(successor.Name) is { } w ? Math.Min(others, w.GapSecondsLeft) : others;
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
