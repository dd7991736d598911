using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using PostFleet.Core.Tests.Configuration;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// What a config that names no mode runs (issue 13: the default must be the mode that meets the goals), and that a
/// config naming exclusive keeps it. One disk: a reads until T0+100 s at 400 B/s; a2's learned k2pow is 60 s at 288
/// nonces, so pipelined times a2's start to end its k2pow as the read ends, exclusive waits for a's delivery.
/// </summary>
public class DefaultModeTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("schedule:\n  mode: pipelined", true)]
    [InlineData("schedule:\n  mode: exclusive", false)]
    public void The_configs_mode_decides_whether_the_next_k2pow_hides_behind_the_read(string schedule, bool timed)
    {
        var loaded = ConfigText.Load(schedule.Length == 0 ? ConfigText.Minimal : ConfigText.With(schedule));
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors));
        var spec = Spec(Limits(maxPow: 1) with { Mode = loaded.Spec!.Schedule.Mode }, [("diskA", ["a", "a2"])]);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 288 } };
        var world = new WorldView().Proving("a", "a2").Running("a", T0.AddMinutes(-5), Proving(Data - 40_000));
        var memory = PlannerMemory.Empty with { Prior = ReentryOverlapTests.Estimates(("a2", 60), ("diskA", 400)) };

        var plan = Planner.Decide(spec, world.Snapshot(T0), memory, T0);

        Assert.Equal(DecisionCode.WaitingForDisk, plan.Code("a2"));
        var reason = plan.DecisionFor("a2").Reason;
        Assert.True(timed == reason.Contains("so its k2pow", StringComparison.Ordinal), reason);
        Assert.Equal(timed ? ScheduleMode.Pipelined : ScheduleMode.Exclusive, spec.Schedule.Mode);
    }
}
