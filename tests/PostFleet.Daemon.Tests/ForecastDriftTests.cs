using System.Collections.Immutable;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The gap's schedule is drawn again only when an estimate moved by more than the drift from those it was drawn
/// with, or one appeared or went: an open gap learns a little every pass, and drawing it each time cost 1.9 s of CPU
/// a pass at 1,000 identities.
/// </summary>
public sealed class ForecastDriftTests
{
    private static ImmutableDictionary<string, double> Rates(params (string Disk, double Rate)[] rates) =>
        rates.ToImmutableDictionary(r => r.Disk, r => r.Rate, StringComparer.Ordinal);

    private static bool Same(ImmutableDictionary<string, double> drawn, ImmutableDictionary<string, double> now) =>
        PassForecast.Cache.Same(drawn, now, r => r, PassForecast.Cache.Drift);

    [Fact]
    public void Estimates_within_the_drift_keep_the_schedule_and_beyond_it_or_with_other_keys_do_not()
    {
        var drawn = Rates(("d1", 100), ("d2", 200));

        Assert.True(Same(drawn, Rates(("d1", 101.9), ("d2", 196.5))));
        Assert.False(Same(drawn, Rates(("d1", 102.5), ("d2", 200))));
        Assert.False(Same(drawn, Rates(("d1", 100), ("d2", 195))));
        Assert.False(Same(drawn, Rates(("d1", 100))));
        Assert.False(Same(drawn, Rates(("d1", 100), ("d3", 200))));
        Assert.False(Same(drawn, Rates(("d1", 100), ("d2", 200), ("d3", 1))));
    }
}
