using PostFleet.Core.Timeline;

namespace PostFleet.Core.Tests;

public class NetworkTimelineTests
{
    // The demo network of spacemesh-node.md §7: 1-minute layers, 15 per epoch, PS 10m, CG 7m, GP 1m.
    private static readonly DateTimeOffset Genesis = DateTimeOffset.Parse("2024-03-08T14:30:00Z");

    private static readonly NetworkTimeline Demo = new(
        new NetworkClock(Genesis, TimeSpan.FromMinutes(1), 15),
        new PoetTimings(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)));

    private static DateTimeOffset At(string hhmm) => DateTimeOffset.Parse($"2024-03-08T{hhmm}:00Z");

    [Fact]
    public void First_cycle_gap_matches_the_documented_demo_table()
    {
        var gap = Demo.CycleGap(1);

        Assert.Equal(At("14:48"), gap.Opens);
        Assert.Equal(At("14:54"), gap.NextChallengeAt);
        Assert.Equal(At("14:55"), gap.Closes);
        Assert.Equal(At("15:00"), gap.ProofDeadline);
        Assert.Equal(At("14:40"), Demo.RoundStart(0));
        Assert.Equal(At("14:55"), Demo.RoundStart(1));
    }

    [Theory]
    [InlineData("14:29", 1u)]
    [InlineData("14:48", 1u)]
    [InlineData("14:54", 1u)]
    [InlineData("14:55", 2u)]
    [InlineData("15:03", 2u)]
    [InlineData("15:09", 2u)]
    [InlineData("15:10", 3u)]
    public void Current_or_next_cycle_gap(string now, uint publishEpoch)
    {
        var gap = Demo.CurrentOrNextCycleGap(At(now));

        Assert.Equal(publishEpoch, gap.PublishEpoch);
        Assert.True(At(now) < gap.Closes);
    }

    [Theory]
    [InlineData("14:29", 1u)]
    [InlineData("14:50", 1u)]
    [InlineData("14:55", 1u)] // closed, but the node takes proofs until 15:00
    [InlineData("14:59", 1u)]
    [InlineData("15:00", 2u)]
    [InlineData("15:05", 2u)]
    [InlineData("15:14", 2u)]
    public void Proving_cycle_gap_keeps_a_closed_gap_until_its_deadline(string now, uint publishEpoch)
    {
        Assert.Equal(publishEpoch, Demo.ProvingCycleGap(At(now)).PublishEpoch);
    }

    [Fact]
    public void The_due_deadline_stays_on_the_closed_gap_while_the_next_gap_is_already_shown()
    {
        // 14:57: gap 1 closed at 14:55, its proofs are taken until 15:00; gap 2 opens at 15:03.
        var due = Demo.ProvingCycleGap(At("14:57"));
        var shown = Demo.CurrentOrNextCycleGap(At("14:57"));

        Assert.Equal((1u, At("15:00")), (due.PublishEpoch, due.ProofDeadline));
        Assert.False(due.IsOpen(At("14:57")));
        Assert.True(At("14:57") >= due.Closes);
        Assert.Equal((2u, At("15:15")), (shown.PublishEpoch, shown.ProofDeadline));

        // From the deadline on, the next gap's proofs are the due ones, before it even opens.
        Assert.Equal(shown, Demo.ProvingCycleGap(At("15:00")));
        Assert.True(At("15:00") < Demo.ProvingCycleGap(At("15:00")).Closes);
    }

    [Fact]
    public void Second_cycle_gap_is_one_epoch_later()
    {
        var gap = Demo.CycleGap(2);

        Assert.Equal(At("15:03"), gap.Opens);
        Assert.Equal(At("15:10"), gap.Closes);
        Assert.True(gap.IsOpen(At("15:05")));
        Assert.False(gap.IsOpen(At("15:10")));
    }

    [Theory]
    [InlineData("14:29", 0u, 0u)]
    [InlineData("14:31", 1u, 0u)]
    [InlineData("14:45", 15u, 1u)]
    [InlineData("15:00", 30u, 2u)]
    public void Layers_and_epochs(string now, uint layer, uint epoch)
    {
        Assert.Equal(layer, Demo.Clock.LayerAt(At(now)));
        Assert.Equal(epoch, Demo.Clock.EpochAt(At(now)));
    }
}
