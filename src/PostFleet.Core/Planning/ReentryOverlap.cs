using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// What pipelining onto a reader's pass is expected to cost and to save: in seconds of the end that counts, or, on a
/// disk whose reads outlast the cycle gap (<see cref="GapStakes"/>), in units proved inside it.
/// </summary>
internal readonly record struct OverlapRisk(double FailureChance, TimeSpan ExpectedCost, TimeSpan ExpectedSaving)
{
    public (double Cost, double Saving)? Units { get; init; }
}

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
        if (StakesOf(successor, c) is { } stakes && stakes.MayOutlastGap)
        {
            var units = ExpectedUnits(failure, successorK2Pow.TotalSeconds, worst, penalty, reread, stakes);
            return !WorthUnits(units.Cost, units.Saving) ? new OverlapRisk(failure, TimeSpan.Zero, TimeSpan.Zero) { Units = units } : null;
        }

        var left = c.DiskWork.Seconds.GetValueOrDefault(successor.Disk);
        var end = EndThatCounts(successor, c) is { } counts ? new DiskEnd(left, reread, counts) { LastChance = c.DiskWork.LastChance(successor.Disk, left, failure) } : (DiskEnd?)null;
        var (cost, saving) = Expected(failure, successorK2Pow.TotalSeconds, worst, penalty, end);
        return !Worth(cost, saving) ? new OverlapRisk(failure, TimeSpan.FromSeconds(Math.Round(cost)), TimeSpan.FromSeconds(Math.Round(saving))) : null;
    }

    /// <summary>
    /// The successor's disk as units at stake when the gap is what counts on it (null otherwise, or when a read on
    /// it has no estimate): the readers' rest, the services of the disk already in k2pow, the successor, then the
    /// rest in the pipelined order (<see cref="Planner.PipelinedStartOrder"/>: on a disk that may outlast the gap the
    /// largest first, so the smallest is the one left out), and last those not admitted to the gap, shortest first
    /// (the one a second saved would bring in).
    /// </summary>
    internal static GapStakes? StakesOf(ServiceSpec successor, StartContext c)
    {
        if (c.Snapshot.For(successor.Name).Window is null || c.Outlook.WindowOf(successor.Name) is not { } w)
        {
            return null;
        }

        var proofs = new List<(int Rank, double Order, double Read, double K2Pow, double Units)>();
        var readers = 0;
        foreach (var s in c.Spec.Disks.FirstOrDefault(d => d.Name == successor.Disk)?.Services ?? [])
        {
            if (c.Memory[s.Name].Delivered || c.Snapshot.NodeStateOf(s.Name) != NodePostState.Proving)
            {
                continue;
            }

            if (c.Estimates.ReadSeconds(s, c.Spec.Post) is not { } read)
            {
                return null;
            }

            // Later handovers are counted with their k2pow: on such a disk a successor is often not timed.
            var k2pow = c.Estimates.StartAndK2PowOf(s)?.TotalSeconds ?? 0;
            if (c.Snapshot.StatusOf(s.Name) is ServiceStatus.Proving { Position: > 0 } p)
            {
                readers++;
                proofs.Add((0, 0, read * (1 - Math.Min(1, (double)p.Position / Math.Max(1UL, ServicePhases.DataBytes(s, c.Spec.Post)))), 0, s.NumUnits));
            }
            else if (c.Snapshot.LiveRun(s.Name) is not null || s.Name == successor.Name)
            {
                proofs.Add((s.Name == successor.Name ? 2 : 1, 0, read, 0, s.NumUnits));
            }
            else
            {
                proofs.Add(c.Outlook.Of(s.Name) == ProofOutlook.InGap ? (3, -s.NumUnits, read, k2pow, s.NumUnits) : (4, read, read, k2pow, s.NumUnits));
            }
        }

        return GapStakes.Of(w.GapSecondsLeft, proofs.OrderBy(r => r.Rank).ThenBy(r => r.Order).Select(r => (r.Read, r.K2Pow, r.Units)), readers, FinishChance.Draws(c.Spec.Post.Nonces));
    }

    /// <summary>
    /// The same trade in units inside the gap: a failed pass delays every read of the disk by the reread, and by the
    /// overlap too when a successor was timed; a success lets every read after the readers end a k2pow sooner.
    /// </summary>
    internal static (double Cost, double Saving) ExpectedUnits(double failure, double successorK2PowSeconds, double overlapReadSeconds, double penalty, double reread, GapStakes stakes)
    {
        var overlap = 2 * penalty * overlapReadSeconds;
        return (failure * (stakes.ExpectedUnits(reread) - stakes.ExpectedUnits(reread + overlap)),
            (1 - failure) * (stakes.ExpectedUnits(0, stakes.Readers) - stakes.ExpectedUnits(successorK2PowSeconds, stakes.Readers)));
    }

    /// <summary>Timed only for a gain worth counting (a thousandth of a unit) that outweighs the expected loss.</summary>
    private static bool WorthUnits(double cost, double saving) => saving > 1e-3 && cost <= saving;

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

        // Past the gap's end every second on the disk costs units in the gap, as in the disk-seconds rule.
        var others = c.DiskWork.BusiestOtherThan(successor.Disk);
        return c.Snapshot.For(successor.Name).Window is not null && c.Outlook.WindowOf(successor.Name) is { } w ? Math.Min(others, w.GapSecondsLeft) : others;
    }

    /// <summary>
    /// Whether the forecast should time a successor's k2pow to the end of the read before it (the same rule, with
    /// <paramref name="end"/> the disk's end and the end that counts in the forecast's own time).
    /// </summary>
    public static bool Pipelines(double failure, double successorK2PowSeconds, double overlapReadSeconds, double penalty = ProvingEstimates.AssumedTwoReaderPenalty, DiskEnd? end = null)
    {
        if (end is { Stakes: { } stakes } e && stakes.MayOutlastGap)
        {
            var units = ExpectedUnits(failure, successorK2PowSeconds, overlapReadSeconds, penalty, e.Reread, stakes);
            return WorthUnits(units.Cost, units.Saving);
        }

        var (cost, saving) = Expected(failure, successorK2PowSeconds, overlapReadSeconds, penalty, end);
        return Worth(cost, saving);
    }

    /// <summary>
    /// Timed only when it saves something that counts and costs no more than that: a disk with room before the end
    /// that counts gains nothing by hiding a k2pow, so it does not take even a small risk for it (disk-bound: 3,694
    /// two-reader disk-seconds and 1.024 × the bound when such disks were timed, 40 and 1.017 when not).
    /// </summary>
    private static bool Worth(double cost, double saving) => saving > 0 && cost <= saving;

    /// <summary>
    /// Two readers of a disk with penalty p take (1 + p) × as long for both reads as one after the other would
    /// take for them together; over the shorter read that loses about 2p × its time (p = 0.5: the shorter read).
    /// With <paramref name="end"/>, only what moves the end that counts is worth anything: the busiest other disk's
    /// (the fleet's makespan), or the gap's end when that comes first. A disk with room before it absorbs a failed
    /// pass's re-read and overlap but gains nothing by hiding a k2pow; one near it loses the whole overlap when the
    /// pass fails (mixed-100: 1.08 × the bound with the disk-seconds alone, 1.02 with this; docs/scheduling.md).
    /// </summary>
    private static (double Cost, double Saving) Expected(double failure, double successorK2PowSeconds, double overlapReadSeconds, double penalty, DiskEnd? end = null)
    {
        var overlap = 2 * penalty * overlapReadSeconds;
        if (end is not { } e)
        {
            return (failure * overlap, (1 - failure) * successorK2PowSeconds);
        }

        double Late(double x) => Math.Max(x, e.Counts);
        return (failure * (Late(e.Own + e.Reread + overlap) - Late(e.Own + e.Reread)), (1 - failure) * e.LastChance * (Late(e.Own + successorK2PowSeconds) - Late(e.Own)));
    }

    /// <summary>
    /// The chance that a disk ending at some time (no pass failing on it) still ends last, given how many of the other
    /// disks' proofs would pass it with a reread (<paramref name="lateRereads"/>, each disk's counted by
    /// <see cref="RereadsPast"/>): another disk ending sooner passes it if a pass whose reread would carry it past
    /// fails. Seconds hidden on the busiest disk count only then: among disks of about the same work the last one is
    /// most often one whose pass failed, where a timed successor costs the overlap (large-2000: 1.13 × the bound, the
    /// last disk one of the second busiest with two failed passes beside timed successors).
    /// </summary>
    public static double LastChance(int lateRereads, double failure)
    {
        // One factor per reread, in turn (not a power): the chance is the same to the last bit however it is asked.
        var chance = 1.0;
        for (var i = 0; i < lateRereads; i++)
        {
            chance *= 1 - failure;
        }

        return chance;
    }

    /// <summary>
    /// Of another disk ending at <paramref name="otherEnd"/> with the full read of each proof left on it
    /// (<paramref name="reads"/>), the proofs whose failed pass would carry it past <paramref name="end"/>. A disk
    /// already ending later is the end that counts (<see cref="DiskEnd.Counts"/>), not a chance: none.
    /// </summary>
    public static int RereadsPast(double end, double otherEnd, ReadOnlySpan<double> reads)
    {
        if (otherEnd >= end)
        {
            return 0;
        }

        var late = 0;
        foreach (var reread in reads)
        {
            if (otherEnd + reread > end)
            {
                late++;
            }
        }

        return late;
    }
}

/// <summary>
/// A disk's end if its reads left run back to back (<see cref="Own"/>), the read a failed pass of its reader adds
/// (<see cref="Reread"/>), and the end that counts (<see cref="Counts"/>: the busiest other disk's, or the gap's end
/// when sooner), all in seconds from the same instant.
/// </summary>
public readonly record struct DiskEnd(double Own, double Reread, double Counts)
{
    /// <summary>The chance the disk is still the last when no pass fails on it (<see cref="ReentryOverlap.LastChance(int, double)"/>).</summary>
    public double LastChance { get; init; } = 1;

    /// <summary>The disk's reads as units at stake in the gap (null: no window, or the makespan is what counts).</summary>
    public GapStakes? Stakes { get; init; }
}
