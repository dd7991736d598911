using PostFleet.Bench;

namespace PostFleet.Bench.Tests;

/// <summary>`bench schedule`'s figures: the three bounds side by side, the yardstick the smallest, and the per-seed spread.</summary>
public sealed class ScheduleReportTests
{
    [Fact]
    public void The_adaptive_bound_is_reported_beside_the_others_and_the_percentages_use_the_smallest()
    {
        var t = Suite.Load("disk-over-window");

        var f = ScheduleReport.Measure(t, [.. Runner.Suite(t).Take(1)], seeds: 3, exact: false);

        Assert.True(f.AdaptiveBoundInGap <= f.NonAnticipativeBoundInGap + 1e-9, $"{f.AdaptiveBoundInGap} > {f.NonAnticipativeBoundInGap}");
        Assert.True(f.TighterBoundInGap <= Math.Min(f.UpperBoundInGap, f.AdaptiveBoundInGap) + 1e-9);
        Assert.Equal(0, f.AdaptiveDisksFellBack);

        // Its disk "full" holds more than the gap: a failed pass there costs units the plain bound does not charge.
        Assert.True(f.AdaptiveBoundInGap < f.NonAnticipativeBoundInGap - 1, $"{f.AdaptiveBoundInGap} vs {f.NonAnticipativeBoundInGap}");

        var s = Assert.Single(f.Strategies);
        Assert.Equal(3, s.UnitsInGapPerSeed.Count);
        Assert.Equal(s.UnitsInGap, s.UnitsInGapPerSeed.Average(), 9);
        Assert.Equal(100 * s.UnitsInGap / f.TighterBoundInGap, s.PercentOfTighterInGap, 9);

        var table = ScheduleReport.Table(f);
        Assert.Contains("adaptive optimum", table, StringComparison.Ordinal);
        Assert.Contains("units in the gap per seed", table, StringComparison.Ordinal);
    }
}
