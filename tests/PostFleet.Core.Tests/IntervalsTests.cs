using PostFleet.Core.Timeline;

namespace PostFleet.Core.Tests;

public sealed class IntervalsTests
{
    private static readonly DateTimeOffset Last = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(0, false)]
    [InlineData(4.999, false)]
    [InlineData(5, true)]
    [InlineData(60, true)]
    [InlineData(-0.001, true)] // the clock went back: not held for the length of the step
    [InlineData(-3600, true)]
    public void An_interval_has_passed_at_its_length_or_when_the_clock_went_back(double secondsSinceLast, bool passed) =>
        Assert.Equal(passed, Intervals.HavePassed(TimeSpan.FromSeconds(5), Last, Last.AddSeconds(secondsSinceLast)));
}
