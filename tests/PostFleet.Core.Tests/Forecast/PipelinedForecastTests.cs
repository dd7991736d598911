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
}
