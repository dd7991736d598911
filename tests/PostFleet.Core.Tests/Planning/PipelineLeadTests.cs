using PostFleet.Core.Planning;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// A pipelined successor is timed against a quantile of its k2pow draws that weighs the disk's two-reader penalty:
/// ending early costs 2p disk-seconds per second of overlap, ending late one idle second.
/// </summary>
public class PipelineLeadTests
{
    [Fact]
    public void The_quantile_is_that_of_a_sum_of_exponential_draws()
    {
        // One draw: the median of an exponential is ln 2 × its mean; the mean itself is reached with 1 − 1/e.
        Assert.Equal(Math.Log(2) * 100, PipelineLead.ErlangQuantile(0.5, 1, 100), 6);
        Assert.Equal(100, PipelineLead.ErlangQuantile(1 - Math.Exp(-1), 1, 100), 6);

        // Against a sampled sum of 8 draws (128 nonces).
        var random = new Random(7);
        var sums = Enumerable.Range(0, 20_000).Select(_ => Enumerable.Range(0, 8).Sum(_ => -Math.Log(1 - random.NextDouble()) * 100 / 8)).Order().ToArray();
        Assert.Equal(sums[sums.Length / 3], PipelineLead.ErlangQuantile(1 / 3.0, 8, 100), 1.5);
    }

    [Fact]
    public void An_hdd_times_later_than_the_median_and_an_ssd_starts_at_once()
    {
        var k2pow = TimeSpan.FromMinutes(10);
        var median = PipelineLead.For(k2pow, 0.5, 128);
        var hdd = PipelineLead.For(k2pow, 1.0, 128);
        var ssd = PipelineLead.For(k2pow, 0, 128);

        Assert.InRange(median.TotalSeconds, 570, 590); // the median of 8 draws, about 4% under the mean
        Assert.InRange(hdd.TotalSeconds, 480, 530); // a third of the draws end sooner
        Assert.True(ssd >= k2pow * 10, $"{ssd}: with no penalty the overlap is free, so any lead is fine");
        Assert.True(PipelineLead.For(k2pow, 0.5, 288) > median, "more nonces, less spread: closer to the mean");
    }
}
