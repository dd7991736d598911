using PostFleet.Core.Planning;
using PostFleet.Daemon.Loop;

namespace PostFleet.InProcess.Tests;

/// <summary>Whole epochs through the real loop: every identity is started when the node needs it, proves, delivers and is stopped.</summary>
public sealed class EpochTests
{
    [Fact]
    public async Task Three_epochs_every_identity_delivers_once_per_epoch_within_the_caps()
    {
        await using var fleet = await InProcessFleet.StartAsync();

        // Runs' phase changes wake the loop at most once a second (the daemon's pacing): every proof still goes in.
        Assert.Equal(PassTrigger.DefaultMaxPace, fleet.Daemon.Trigger.MaxPace);
        foreach (var epoch in new uint[] { 1, 2, 3 })
        {
            await fleet.RunUntilDeliveredAsync(epoch);
        }

        foreach (var (name, _) in fleet.Options.Services)
        {
            Assert.Equal([1u, 2u, 3u], fleet.Node.Delivered(name));
            // One run per epoch, each started by the loop and stopped once delivered and IDLE (the last one may still wait for its IDLE).
            Assert.Equal(3, fleet.RunsOf(name).Count);
            Assert.Equal(3, fleet.Actions(name).Count(a => a.What == nameof(PlannedAction.StartService)));
            Assert.True(fleet.Actions(name).Count(a => a.What == nameof(PlannedAction.StopService) && a.Detail.StartsWith("Delivered", StringComparison.Ordinal)) >= 2);
            Assert.Equal(3, fleet.History.Deliveries(name).Count);
        }

        // per-disk 1 (exclusive: start to delivery) and max-pow 2, from the fakes' own point of view.
        Assert.All(fleet.Samples, s => Assert.True(s.ReadersPerDisk.Values.All(n => n <= 1), $"{s.At:T}: two readers on a disk"));
        Assert.All(fleet.Samples, s => Assert.True(s.InK2Pow <= 2, $"{s.At:T}: {s.InK2Pow} in k2pow"));
        Assert.DoesNotContain(fleet.Node.Events, e => e is Core.Model.NodeEvent.PostFailed);
    }

    [Fact]
    public async Task The_first_starts_of_a_round_follow_the_gaps_opening_even_with_a_long_resync()
    {
        // The soak's lost epochs: asleep for up to a resync through the gap's opening, the loop started each disk's
        // first proof late, and the disk's second one then missed the next PoET round (the node skipped its epoch).
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions { Schedule = ["resync: 25s"] });
        await fleet.RunUntilDeliveredAsync(1);
        var gap = fleet.Node.Timeline.CycleGap(2);
        await fleet.RunUntilAsync(() => fleet.Runtime.AllRuns.Any(r => r.StartedAt >= gap.Opens), "a start in the gap of epoch 2", InProcessFleet.Clock.EpochDuration);

        var first = fleet.Runtime.AllRuns.Where(r => r.StartedAt >= gap.Opens).Min(r => r.StartedAt);
        Assert.True(first - gap.Opens <= TimeSpan.FromSeconds(2), $"the first start came {(first - gap.Opens).TotalSeconds:0} s after the gap opened at {gap.Opens:T}");
    }

    [Fact]
    public async Task Nothing_runs_between_the_last_delivery_and_the_next_cycle_gap()
    {
        await using var fleet = await InProcessFleet.StartAsync();
        await fleet.RunUntilDeliveredAsync(1);
        await fleet.RunUntilAsync(() => fleet.Runtime.Live().Count == 0, "every service stopped after its delivery", TimeSpan.FromSeconds(10));
        var idleFrom = fleet.Now;

        var next = fleet.Node.Timeline.CycleGap(2).Opens;
        await fleet.RunUntilAsync(() => fleet.Now >= next, "the next gap", InProcessFleet.Clock.EpochDuration);

        var between = fleet.Samples.Where(s => s.At >= idleFrom && s.At < next).ToList();
        Assert.NotEmpty(between);
        Assert.All(between, s => Assert.Equal(0, s.Running));
        // The step that reaches the gap may already start its runs (the node turns PROVING at its opening).
        Assert.Equal(fleet.Options.Services.Count, fleet.Runtime.AllRuns.Count(r => r.StartedAt < next));
    }
}
