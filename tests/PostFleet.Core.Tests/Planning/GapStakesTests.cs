using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// Pipelined mode on a disk whose reads outlast the cycle gap weighs a timed successor in units that land inside
/// the gap (<see cref="GapStakes"/>), and on the busiest disk by the chance it still ends last
/// (<see cref="ReentryOverlap.LastChance"/>).
/// </summary>
public class GapStakesTests
{
    private const double Failure = 0.043; // 128 nonces

    [Fact]
    public void A_proof_counts_with_the_chance_it_lands_before_the_gaps_end()
    {
        var stakes = GapStakes.Of(10_000, [(2_000, 0, 8), (6_000, 0, 16), (4_000, 0, 4)], readers: 1, k2powDraws: 8);

        Assert.Equal(24, stakes.ExpectedUnits(0), 1); // 2,000 and 8,000 are in; 12,000 is out
        Assert.Equal(8, stakes.ExpectedUnits(3_000), 1); // 8,000 + 3,000 is past 10,000
        Assert.InRange(stakes.ExpectedUnits(-2_500), 27.5, 28); // 9,500: in, nearly surely
        Assert.InRange(stakes.ExpectedUnits(2_000, from: 1), 6, 10); // 10,000 exactly: half of 16 units
        Assert.True(stakes.MayOutlastGap);
        Assert.False(GapStakes.Of(20_000, [(2_000, 0, 8)], 1, 8).MayOutlastGap);
    }

    /// <summary>
    /// disk-over-window's full disk (seed 2): the proofs admitted to the gap end 1,770 s before it and the next one
    /// would need 3,000 s, so the 480 s of k2pow a timed successor hides bring nothing in; a failed pass re-reads the
    /// reader's 8,065 s and, with the successor timed, the overlap pushes one more 24-unit proof out. In seconds the
    /// trade looks worth it (347 s expected cost, 459 s saved); in units it is not.
    /// </summary>
    [Fact]
    public void On_a_disk_that_outlasts_the_gap_a_successor_is_timed_only_for_units()
    {
        (double, double, double)[] proofs = [(400, 0, 24), (11_400, 0, 32), (8_500, 300, 24), (11_900, 480, 32), (2_900, 100, 8)];
        var seconds = new DiskEnd(35_100, 8_065, 25_939);

        Assert.True(ReentryOverlap.Pipelines(Failure, 480, 8_065, 0.5, seconds));
        Assert.False(ReentryOverlap.Pipelines(Failure, 480, 8_065, 0.5, seconds with { Stakes = GapStakes.Of(34_750, proofs, 1, 8) }));
        // A gap 1,450 s longer: the hidden k2pow may bring the 8-unit proof in, and the overlap costs less.
        Assert.True(ReentryOverlap.Pipelines(Failure, 480, 8_065, 0.5, seconds with { Stakes = GapStakes.Of(36_200, proofs, 1, 8) }));
    }

    [Fact]
    public void The_busiest_disk_is_the_last_only_if_no_disk_a_reread_behind_fails_a_pass()
    {
        Assert.Equal(1, LastChance(10_000, [(7_000, Reads(10, 2_000)), (12_000, Reads(10, 2_000))]));
        Assert.Equal(Math.Pow(1 - Failure, 10), LastChance(10_000, [(9_000, Reads(10, 2_000))]), 9);
        Assert.Equal(Math.Pow(1 - Failure, 15), LastChance(10_000, [(9_000, Reads(10, 2_000)), (8_500, Reads(5, 2_000))]), 9);
        // Only the passes whose reread would carry the other disk past this one count.
        Assert.Equal(Math.Pow(1 - Failure, 2), LastChance(10_000, [(9_000, [500, 1_500, 900, 3_000])]), 9);

        // 120 s of k2pow hidden (115 s expected) against 86 s of expected overlap: worth it on a disk far ahead of the
        // rest, not beside one of about the same work that may fail a pass (two in three to still be last: 75 s).
        var alone = new DiskEnd(10_000, 2_000, 5_000);
        Assert.True(ReentryOverlap.Pipelines(Failure, 120, 2_000, 0.5, alone with { LastChance = 1 }));
        Assert.False(ReentryOverlap.Pipelines(Failure, 120, 2_000, 0.5, alone with { LastChance = LastChance(10_000, [(9_900, Reads(10, 2_000))]) }));
    }

    /// <summary>The chance a disk ending at <paramref name="end"/> is still the last, against these other disks.</summary>
    private static double LastChance(double end, (double End, double[] Reads)[] others) =>
        ReentryOverlap.LastChance(others.Sum(o => ReentryOverlap.RereadsPast(end, o.End, o.Reads)), Failure);

    private static double[] Reads(int count, double seconds) => [.. Enumerable.Repeat(seconds, count)];

    /// <summary>
    /// The planner: diskA (4 units each, 10 B/s, a read takes 6,554 s) has a with 400 s left, then a2, a3, a4 and a5
    /// (200 s of k2pow each); the gap closes in 23,000 s. a4 ends 2,500 s before it, a5 far after: a hidden k2pow
    /// moves no proof across the gap's end, while a failed pass of a and the overlap with a2 push a3 out.
    /// </summary>
    [Fact]
    public void The_planner_says_why_it_does_not_pipeline_on_a_disk_that_outlasts_the_gap()
    {
        const ulong data = 4 * 1024 * 16;
        var spec = Spec(Limits(maxPow: 2) with { Mode = ScheduleMode.Pipelined }, [("diskA", ["a", "a2", "a3", "a4", "a5"])]);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 128 } };
        var world = new WorldView().Proving("a", "a2", "a3", "a4", "a5").Running("a", T0.AddHours(-2), Proving(data - 4_000));
        var prior = new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty.AddRange(new[] { "a2", "a3", "a4", "a5" }.Select(n => KeyValuePair.Create(n, TimeSpan.FromSeconds(200)))),
            ImmutableDictionary<string, double>.Empty.Add("diskA", 10));
        var gap = new CycleGapWindow(2, T0.AddHours(-2), T0.AddHours(3), T0.AddSeconds(23_000), T0.AddDays(2));

        var plan = Planner.Decide(spec, world.Snapshot(T0) with { Window = gap }, PlannerMemory.Empty with { Prior = prior }, T0);

        Assert.Equal(DecisionCode.WaitingForDisk, plan.Code("a2"));
        Assert.StartsWith("waiting: disk diskA read by a; its reads outlast the cycle gap, so not pipelining: a pass fails with 4.2% chance", plan.DecisionFor("a2").Reason, StringComparison.Ordinal);

        // Without the window the same disk is weighed in seconds (one disk: the hidden k2pow is worth its risk).
        var noWindow = Planner.Decide(spec, world.Snapshot(T0), PlannerMemory.Empty with { Prior = prior }, T0);
        Assert.DoesNotContain("outlast the cycle gap", noWindow.DecisionFor("a2").Reason, StringComparison.Ordinal);
    }
}
