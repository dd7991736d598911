using System.Collections.Immutable;
using PostFleet.Core.Forecast;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Forecast;

/// <summary>The forecast pipelines a disk's next k2pow behind its read under the planner's rule (ReentryOverlapTests).</summary>
public class PipelinedForecastTests
{
    [Theory]
    [InlineData(288, 60)] // a pass fails 0.08% of the time: the k2pow hides behind the read before it
    [InlineData(16, 0)] // two in three fail: the next k2pow starts when the disk frees up
    public void The_next_k2pow_on_a_disk_hides_behind_the_read_only_when_a_failed_pass_costs_less_than_that_saves(int nonces, double hidden)
    {
        var spec = Spec(Limits(maxPow: 1), [("diskA", ["a", "b"])]);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = nonces } };
        var known = new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty.Add("a", TimeSpan.FromSeconds(60)).Add("b", TimeSpan.FromSeconds(60)),
            ImmutableDictionary<string, double>.Empty.Add("diskA", 400)); // 65,536 bytes: 164 s per read

        var rows = ProvingForecast.Of(spec, HardwareAssumptions.Default, known).Rows.OrderBy(r => r.K2PowStart).ToList();

        Assert.Equal(2, rows.Count);
        Assert.Equal(rows[0].End - hidden, rows[1].K2PowStart, 6);
    }

    /// <summary>
    /// A fresh start needs its start-up before its k2pow (learned apart: PassLearningTests), so the forecast, as the
    /// planner, starts b its start-up and k2pow before a's read ends, and a's read begins after both.
    /// </summary>
    [Fact]
    public void A_start_up_learned_apart_comes_before_the_k2pow_in_the_forecast_as_in_the_planner()
    {
        var spec = Spec(Limits(maxPow: 1), [("diskA", ["a", "b"])]);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 288 } };
        var known = new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty.Add("a", TimeSpan.FromSeconds(60)).Add("b", TimeSpan.FromSeconds(60)),
            ImmutableDictionary<string, double>.Empty.Add("diskA", 400))
        {
            Startup = ImmutableDictionary<string, double>.Empty.Add("diskA", 90),
        };

        var rows = ProvingForecast.Of(spec, HardwareAssumptions.Default, known).Rows.OrderBy(r => r.K2PowStart).ToList();

        Assert.Equal(150, rows[0].ReadStart - rows[0].K2PowStart, 6);
        Assert.Equal(rows[0].End - 150, rows[1].K2PowStart, 6);
    }

    /// <summary>
    /// As the planner (ReentryOverlapTests): with a second disk, a's pass failing would add its re-read and a 164 s
    /// overlap to diskA (ends 388 s if read back to back); the k2pow hides behind a's read unless diskB ends within
    /// that overlap of diskA but more than the hidden 60 s after it, or so far after it that hiding saves nothing.
    /// </summary>
    [Theory]
    [InlineData(4000, true)] // diskB ends at 93 s: diskA is the busiest
    [InlineData(300, false)] // diskB ends at 497 s: 109 s of room, less than a failed pass would take
    [InlineData(150, false)] // diskB ends at 934 s: room for the re-read and the overlap, and nothing to gain
    public void The_forecast_weighs_a_failed_pass_against_the_busiest_other_disk_as_the_planner_does(double diskBRate, bool hidden)
    {
        var spec = Spec(Limits(), [("diskA", ["a", "a2"]), ("diskB", ["b1", "b2"])]);
        spec = spec with
        {
            Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 128 },
            Node = spec.Node with { Poet = spec.Node.Poet with { CycleGap = TimeSpan.FromHours(12) } }, // the test spec's 7 min gap would end first
        };
        var known = new ProvingEstimates(
            new[] { "a", "a2", "b1", "b2" }.ToImmutableDictionary(n => n, _ => TimeSpan.FromSeconds(60)),
            ImmutableDictionary<string, double>.Empty.Add("diskA", 400).Add("diskB", diskBRate));

        var rows = ProvingForecast.Of(spec, HardwareAssumptions.Default, known).Rows.ToDictionary(r => r.Service.Name);

        Assert.Equal(rows["a"].End - (hidden ? 60 : 0), rows["a2"].K2PowStart, 6);
    }
    /// <summary>
    /// As the planner (GapStakesTests): one disk of five 4-unit proofs, 6,554 s per read and 400 s of k2pow each. With a
    /// 12 h gap everything fits and a2's k2pow hides behind a's read (383 s saved &gt; 275 s expected overlap). With a
    /// gap of 30,400 s the disk outlasts it: hiding a2's k2pow brings no proof in (a4 ends 2,600 s before the gap's end,
    /// a5 4,000 s after it), while a failed pass of a and the overlap with a2 would push a3 out, so it is not hidden.
    /// </summary>
    [Theory]
    [InlineData(12 * 3600, true)]
    [InlineData(30_400, false)]
    public void On_a_disk_that_outlasts_the_gap_the_forecast_weighs_units_as_the_planner_does(double gapSeconds, bool hidden)
    {
        var spec = Spec(Limits(), [("diskA", ["a", "a2", "a3", "a4", "a5"])]);
        spec = spec with
        {
            Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 128 },
            Node = spec.Node with { Poet = spec.Node.Poet with { CycleGap = TimeSpan.FromSeconds(gapSeconds) } },
        };
        var known = new ProvingEstimates(
            new[] { "a", "a2", "a3", "a4", "a5" }.ToImmutableDictionary(n => n, _ => TimeSpan.FromSeconds(400)),
            ImmutableDictionary<string, double>.Empty.Add("diskA", 10));

        var rows = ProvingForecast.Of(spec, HardwareAssumptions.Default, known).Rows.ToDictionary(r => r.Service.Name);

        Assert.Equal(rows["a"].End - (hidden ? 400 : 0), rows["a2"].K2PowStart, 6);
    }
}
