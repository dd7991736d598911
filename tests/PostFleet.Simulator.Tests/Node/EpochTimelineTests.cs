using PostFleet.Simulator.Node;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>The demo table of fact sheet §7: G = 2024-03-08T14:30:00Z, D 1 m, N 15, PS 10 m, CG 7 m, GP 1 m.</summary>
public sealed class EpochTimelineTests
{
    private static readonly DateTimeOffset G = new(2024, 3, 8, 14, 30, 0, TimeSpan.Zero);

    private static readonly EpochTimeline Demo = new(new NetworkParameters(
        G, TimeSpan.FromMinutes(1), 15, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)));

    private static DateTimeOffset At(int hour, int minute, int second = 0) => new(2024, 3, 8, hour, minute, second, TimeSpan.Zero);

    [Fact]
    public void Publish_epoch_1_matches_the_demo_table()
    {
        Assert.Equal(At(14, 45), Demo.EpochStart(1));
        Assert.Equal(At(14, 39), Demo.ChallengeBuildTime(1));
        Assert.Equal(At(14, 40), Demo.PoetRoundStart(0));
        Assert.Equal(At(14, 48), Demo.RoundEnd(1));
        Assert.Equal(At(14, 53), Demo.PoetProofDeadline(1));
        Assert.Equal(At(14, 55), Demo.CycleGapEnd(1));
        Assert.Equal(At(15, 0), Demo.PublishEpochEnd(1));
        Assert.Equal(At(14, 54), Demo.ChallengeBuildTime(2));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void Every_publish_epoch_follows_the_minute_formulas(int p)
    {
        var publish = (uint)p;
        DateTimeOffset Minute(int m) => G + TimeSpan.FromMinutes(m);
        Assert.Equal(Minute((15 * p) - 6), Demo.ChallengeBuildTime(publish));
        Assert.Equal(Minute((15 * p) - 5), Demo.PoetRoundStart(publish - 1));
        Assert.Equal(Minute(15 * p), Demo.EpochStart(publish));
        Assert.Equal(Minute((15 * p) + 3), Demo.RoundEnd(publish));
        Assert.Equal(Minute((15 * p) + 8), Demo.PoetProofDeadline(publish));
        Assert.Equal(Minute((15 * p) + 9), Demo.ChallengeBuildTime(publish + 1));
        Assert.Equal(Minute((15 * p) + 10), Demo.CycleGapEnd(publish));
        Assert.Equal(Minute((15 * p) + 15), Demo.PublishEpochEnd(publish));
    }

    [Fact]
    public void Second_cycle_gap_is_15_03_to_15_10()
    {
        Assert.Equal(At(15, 3), Demo.RoundEnd(2));
        Assert.Equal(At(15, 10), Demo.CycleGapEnd(2));
        Assert.Equal(At(14, 55), Demo.PoetRoundStart(1));
    }

    [Fact]
    public void Layers_and_epochs_count_from_genesis_and_are_zero_before_it()
    {
        Assert.Equal(0u, Demo.CurrentLayer(G - TimeSpan.FromHours(1)));
        Assert.Equal(0u, Demo.CurrentLayer(G));
        Assert.Equal(14u, Demo.CurrentLayer(At(14, 44, 59)));
        Assert.Equal(15u, Demo.CurrentLayer(At(14, 45)));
        Assert.Equal(0u, Demo.CurrentEpoch(At(14, 44, 59)));
        Assert.Equal(1u, Demo.CurrentEpoch(At(14, 45)));
        Assert.Equal(At(14, 46), Demo.NextLayerStart(At(14, 45, 10)));
    }

    [Theory]
    [InlineData("14:30:00", 1, "14:39:00")] // at genesis: first challenge at 14:39
    [InlineData("14:39:30", 1, "14:39:00")] // build time passed but round 0 not started: build now
    [InlineData("14:40:00", 2, "14:54:00")] // round 0 started: the next publish epoch
    [InlineData("14:56:00", 3, "15:09:00")] // PoST done after the next round started: one epoch skipped
    [InlineData("15:01:00", 3, "15:09:00")] // deadline missed for P=1, stale ≈ 1 layer later: P+2
    public void Next_challenge_targets_the_round_that_has_not_started(string now, int publish, string buildAt)
    {
        var (p, at) = Demo.NextChallenge(At(now));
        Assert.Equal((uint)publish, p);
        Assert.Equal(At(buildAt), at);
    }

    [Fact]
    public void Round_end_jitter_is_two_to_four_ten_thousandths_of_the_cycle_gap()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(84), Demo.RoundEndJitter(0));
        Assert.Equal(TimeSpan.FromMilliseconds(168), Demo.RoundEndJitter(1));
    }

    [Fact]
    public void Standalone_preset_alone_has_a_60_second_epoch()
    {
        var preset = new EpochTimeline(new NetworkParameters(G, TimeSpan.FromSeconds(6), 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(12)));
        Assert.Equal(G + TimeSpan.FromSeconds(18), preset.ChallengeBuildTime(1));
        Assert.Equal(G + TimeSpan.FromSeconds(60), preset.RoundEnd(1));
    }

    private static DateTimeOffset At(string hms)
    {
        var parts = hms.Split(':').Select(int.Parse).ToArray();
        return At(parts[0], parts[1], parts[2]);
    }
}
