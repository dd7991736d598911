using PostFleet.Bench.Daemon;
using PostFleet.Core.Configuration;

namespace PostFleet.Bench.Tests;

/// <summary>`bench daemon` measures the real daemon: what it counts is what the fakes saw, never a number of its own.</summary>
public sealed class DaemonBenchmarkTests
{
    [Fact]
    public async Task In_the_open_gap_every_live_run_is_read_once_a_pass_and_postStates_asked_once()
    {
        var r = await DaemonBenchmark.RunAsync(10, DaemonScenario.OpenGap, 5, CancellationToken.None);

        Assert.Equal((2, 2), (r.Disks, r.Hosts));
        Assert.Equal(2, r.LiveRuns); // per-disk 1 on two disks
        Assert.True(r.Passes >= 5);
        Assert.Equal(r.LiveRuns, r.StatusReads);
        Assert.Equal(1, r.PostStatesCalls);
        Assert.True(r.AllocatedBytes > 0 && r.CpuMs > 0);
        Assert.Contains(r.Stages, s => s.Stage == "observe");
        Assert.Contains(r.Stages, s => s.Stage == "event stream");
        Assert.True(r.WholeViewBytes > r.ChangesBytes);

        // The slowest passes are the tail of the same walls the percentiles come from, slowest first, with their stages.
        Assert.Equal(3, r.Slowest.Count);
        Assert.Equal(r.WallMaxMs, r.Slowest[0].WallMs);
        Assert.True(r.Slowest[0].WallMs >= r.Slowest[1].WallMs && r.Slowest[1].WallMs >= r.Slowest[2].WallMs);
        Assert.All(r.Slowest, p => Assert.Contains(p.Stages, s => s.Stage == "decide"));
    }

    [Fact]
    public async Task The_demos_exclusive_fleet_is_measured_as_its_own_mode()
    {
        var r = await DaemonBenchmark.RunAsync(10, DaemonScenario.OpenGap, 5, ScheduleMode.Exclusive, CancellationToken.None);

        Assert.Equal(ScheduleMode.Exclusive, r.Mode);
        Assert.Equal(2, r.LiveRuns); // every started service counts against per-disk 1
        Assert.Equal(r.LiveRuns, r.StatusReads);
        Assert.Contains(r.Stages, s => s.Stage == "decide");
    }

    [Fact]
    public async Task Between_gaps_nothing_runs_and_no_status_is_read()
    {
        var r = await DaemonBenchmark.RunAsync(10, DaemonScenario.BetweenGaps, 5, CancellationToken.None);

        Assert.Equal(0, r.LiveRuns);
        Assert.Equal(0, r.StatusReads);
        Assert.Equal(1, r.PostStatesCalls);
    }
}
