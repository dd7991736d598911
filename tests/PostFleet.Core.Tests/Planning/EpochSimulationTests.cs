using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>A whole cycle gap of the demo topology, with the planner's own actions fed back as observations.</summary>
public class EpochSimulationTests
{
    [Theory]
    [InlineData(1, 2, 0)]
    [InlineData(1, 1, 0)]
    [InlineData(2, 3, 4)]
    [InlineData(3, 0, 0)]
    public void Every_identity_is_started_and_stopped_exactly_once_and_caps_hold_at_every_step(int perDisk, int maxPow, int maxRunning)
    {
        var limits = Limits(perDisk, maxPow, maxRunning) with { IdleStopGrace = TimeSpan.FromSeconds(2) };
        var spec = Demo(limits);
        var world = RunEpoch(spec, world => { });

        var names = spec.Services.Select(s => s.Name).Order().ToArray();
        Assert.Equal(names, world.Log.Where(l => l.Action is PlannedAction.StartService).Select(l => l.Action.ServiceName).Order());
        Assert.Equal(names, world.Log.Where(l => l.Action is PlannedAction.StopService).Select(l => l.Action.ServiceName).Order());
        Assert.All(world.Log.Where(l => l.Action is PlannedAction.StopService), l =>
        {
            Assert.Equal(Model.NodePostState.Idle, l.State);
            Assert.Equal(StopReason.Delivered, ((PlannedAction.StopService)l.Action).Reason);
        });

        // The demo's cross-disk dependency: diskA_post2 starts only once diskC_post2 delivered.
        var startA2 = world.Log.Single(l => l.Action is PlannedAction.StartService { ServiceName: "diskA_post2" }).Time;
        Assert.True(startA2 >= world.DeliveredAt["diskC_post2"]);
    }

    [Fact]
    public void A_crash_in_k2pow_is_restarted_once_after_the_backoff_and_still_delivers()
    {
        var spec = Demo(Limits(maxPow: 2) with { IdleStopGrace = TimeSpan.FromSeconds(2) });
        var world = RunEpoch(spec, w => w.CrashOnce.Add("diskE_post1"));

        var starts = world.Log.Where(l => l.Action is PlannedAction.StartService { ServiceName: "diskE_post1" }).Select(l => l.Time).ToList();
        Assert.Equal(2, starts.Count);
        Assert.True(starts[1] - starts[0] >= spec.Schedule.RestartBackoffInitial);
        Assert.Single(world.Log, l => l.Action is PlannedAction.ForgetRun { Instance.ServiceName: "diskE_post1", Instance.ExitCode: 101 });
        Assert.Contains("diskE_post1", world.DeliveredAt.Keys);
    }

    private static FakeEpochWorld RunEpoch(FleetSpec spec, Action<FakeEpochWorld> arrange)
    {
        var world = new FakeEpochWorld(spec);
        arrange(world);
        world.OpenCycleGap();
        var memory = PlannerMemory.Empty;
        var limits = spec.Schedule;
        for (var tick = 0; tick < 3600 && !(tick > 0 && world.AllIdleAndStopped); tick++)
        {
            var plan = Planner.Decide(spec, world.Observe(), memory, world.Now);
            memory = plan.Next;
            world.Apply(plan);

            var (perDisk, k2pow, running) = world.Truth();
            Assert.All(perDisk, d => Assert.True(d.Value <= limits.PerDisk, $"{world.Now:T}: {d.Value} proving on {d.Key}"));
            Assert.True(limits.MaxPow == 0 || k2pow <= limits.MaxPow, $"{world.Now:T}: {k2pow} in k2pow");
            Assert.True(limits.MaxRunning == 0 || running <= limits.MaxRunning, $"{world.Now:T}: {running} running");
            world.Tick();
        }

        Assert.True(world.AllIdleAndStopped, "the epoch did not finish within an hour of simulated time");
        Assert.Equal(spec.Services.Count(), world.DeliveredAt.Count);
        return world;
    }
}
