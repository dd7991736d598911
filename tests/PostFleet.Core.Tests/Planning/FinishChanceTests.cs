using PostFleet.Core.Planning;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// How sure a k2pow (or a slot's queue of them) is to be over in time: a Gamma of the draws' mean and variance, by
/// Wilson and Hilferty's approximation, checked against the exact Erlang quantile and against sampled queues.
/// </summary>
public class FinishChanceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(18)]
    public void One_k2pow_is_sure_at_its_erlang_quantile(int draws)
    {
        var exact = PipelineLead.ErlangQuantile(FinishChance.Level, draws, 1000);
        Assert.Equal(exact, FinishChance.Sure(1000, FinishChance.K2PowVariance(1000, draws)), exact * 0.01);
        Assert.Equal(FinishChance.Level, FinishChance.Within(1000, FinishChance.K2PowVariance(1000, draws), exact), 0.01);
    }

    [Fact]
    public void A_queue_of_unequal_k2pows_is_sure_where_sampled_queues_are()
    {
        // One slot's queue: 32, 24, 8 and 4 units at 105 s per unit, 18 draws each (288 nonces).
        var means = new[] { 32 * 105.0, 24 * 105.0, 8 * 105.0, 4 * 105.0 };
        var random = new Random(3);
        var sums = Enumerable.Range(0, 20_000)
            .Select(_ => means.Sum(m => Enumerable.Range(0, 18).Sum(_ => -Math.Log(1 - random.NextDouble()) * m / 18)))
            .Order().ToArray();
        var sure = FinishChance.Sure(means.Sum(), means.Sum(m => FinishChance.K2PowVariance(m, 18)));

        Assert.Equal(sums[(int)(sums.Length * FinishChance.Level)], sure, sure * 0.01);
    }

    [Fact]
    public void Without_spread_the_mean_is_sure_and_nothing_is_sure_before_it()
    {
        Assert.Equal(500, FinishChance.Sure(500, 0));
        Assert.Equal(1, FinishChance.Within(500, 0, 500));
        Assert.Equal(0, FinishChance.Within(500, 0, 499));
        Assert.Equal(0, FinishChance.Within(500, 100, 0));
        Assert.Equal(8, FinishChance.Draws(128));
        Assert.Equal(1, FinishChance.Draws(8));
    }
}
