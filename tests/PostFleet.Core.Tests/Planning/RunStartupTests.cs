using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// A silent /status right after a start is the service building its RandomX prover (post-rs service.rs,
/// <c>gen_proof</c> holds the lock /status takes): start-up, shown as starting and kept, until the run has shown
/// proving work or the allowance has passed. Time is seconds after T0, when a started.
/// </summary>
public class RunStartupTests
{
    private static readonly FleetSpec OneDisk = Spec(Limits(maxPow: 1, noProgress: TimeSpan.FromHours(1)), [("diskA", ["a"])]);
    private static readonly ServiceStatus Silent = new ServiceStatus.Unreachable("no /status answer within 2 s");

    [Fact]
    public void A_minute_of_silence_after_the_first_genproof_is_start_up_then_learned_and_silence_after_work_is_not()
    {
        var world = new WorldView().Proving("a").Running("a", T0, new ServiceStatus.Idle());
        var memory = PlannerMemory.Empty;
        Plan Pass(double seconds)
        {
            var now = T0.AddSeconds(seconds);
            var plan = Planner.Decide(OneDisk, world.Snapshot(now), memory, now);
            memory = plan.Next;
            return plan;
        }

        Pass(0); // answered at once: the node's GenProof has not reached it yet
        world.Statuses["a"] = Silent;
        for (var s = 3; s <= 61; s += 2)
        {
            var plan = Pass(s);
            Assert.Empty(plan.Stops());
            Assert.Equal(DecisionCode.Proving, plan.Code("a"));
            Assert.StartsWith("proving: starting up; /status does not answer yet", plan.DecisionFor("a").Reason, StringComparison.Ordinal);
            Assert.True(RunStartup.IsStartingUp(world.Runs["a"], Silent, memory.For("a"), T0.AddSeconds(s)), $"at {s} s");
            Assert.Equal(ServicePhase.Starting, ServicePhases.Of(Silent, running: true, startingUp: true));
        }

        // The build is over: the proof's first answer ends the start-up, learned for the forecast.
        world.Statuses["a"] = new ServiceStatus.Proving(0, 0, 0);
        Pass(63);
        Assert.Equal(TimeSpan.FromSeconds(63), memory.For("a").LastStartup);

        // A run that has shown work and falls silent is not starting: its operator or the service is in trouble.
        world.Statuses["a"] = Silent;
        var after = Pass(65);
        Assert.False(RunStartup.IsStartingUp(world.Runs["a"], Silent, memory.For("a"), T0.AddSeconds(65)));
        Assert.StartsWith("proving: /status does not answer", after.DecisionFor("a").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Silence_past_the_allowance_is_unreachable_and_a_long_learned_start_up_widens_the_allowance()
    {
        var run = Run("a", T0);
        var fresh = ServiceMemory.Initial with { RunId = run.InstanceId };

        Assert.Equal(RunStartup.MinimumAllowance, RunStartup.Allowance(fresh));
        Assert.True(RunStartup.IsStartingUp(run, Silent, fresh, T0 + RunStartup.MinimumAllowance - TimeSpan.FromSeconds(1)));
        Assert.False(RunStartup.IsStartingUp(run, Silent, fresh, T0 + RunStartup.MinimumAllowance));

        var slowCpu = fresh with { LastStartup = TimeSpan.FromMinutes(4) };
        Assert.Equal(TimeSpan.FromMinutes(12), RunStartup.Allowance(slowCpu));
        Assert.True(RunStartup.IsStartingUp(run, Silent, slowCpu, T0.AddMinutes(11)));
    }

    [Fact]
    public void Only_a_silent_live_run_this_memory_knows_with_no_work_shown_is_starting()
    {
        var run = Run("a", T0);
        var fresh = ServiceMemory.Initial with { RunId = run.InstanceId };
        var now = T0.AddSeconds(30);

        Assert.False(RunStartup.IsStartingUp(run, new ServiceStatus.Idle(), fresh, now));
        Assert.False(RunStartup.IsStartingUp(run, Proving(0), fresh, now));
        Assert.False(RunStartup.IsStartingUp(run with { Running = false }, Silent, fresh, now));
        Assert.False(RunStartup.IsStartingUp(null, Silent, fresh, now));
        Assert.False(RunStartup.IsStartingUp(run, Silent, fresh with { RunId = "another run" }, now));
        Assert.False(RunStartup.IsStartingUp(run, Silent, fresh with { Progress = new ProgressMark(0, 16, 0) }, now));
        Assert.False(RunStartup.IsStartingUp(run, Silent, fresh with { RunHoldsWork = true }, now));

        // The phase: only a silent running start-up becomes Starting; everything else reads as before.
        Assert.Equal(ServicePhase.Unreachable, ServicePhases.Of(Silent, running: true, startingUp: false));
        Assert.Equal(ServicePhase.NotRunning, ServicePhases.Of(Silent, running: false, startingUp: true));
        Assert.Equal(ServicePhase.Idle, ServicePhases.Of(new ServiceStatus.Idle(), running: true, startingUp: true));
    }
}
