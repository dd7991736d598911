using PostFleet.Core.Model;
using PostFleet.Core.Planning;

namespace PostFleet.InProcess.Tests;

/// <summary>What the dashboard and API ask for reaches the loop through the trigger: a pass at once, not at the next requeue.</summary>
public sealed class IntentTests
{
    [Fact]
    public async Task A_forced_stop_wakes_the_loop_at_once_and_a_paused_fleet_starts_nothing()
    {
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        await fleet.RunUntilAsync(() => fleet.Runtime.Live().Any(r => r.Identity == "a1" && r.InK2Pow), "a1 in k2pow", TimeSpan.FromSeconds(40));

        // No time passes: only the intent's trigger can make the pass that stops a1.
        var before = fleet.Passes.Count;
        Assert.Null(fleet.Daemon.Control.Apply("force-stop", "a1"));
        await fleet.SettleAsync();

        var woken = Assert.Single(fleet.Passes.Skip(before));
        Assert.Equal(fleet.Now, woken.Observation.At);
        var stop = Assert.Single(woken.Outcomes, o => o.Action is PlannedAction.StopService { ServiceName: "a1", Reason: StopReason.UserForced, Force: true });
        Assert.Equal("stopping", stop.Detail);
        Assert.Contains(fleet.History.Actions("a1"), a => a.What == nameof(PlannedAction.StopService) && a.Detail.StartsWith("UserForced (forced)", StringComparison.Ordinal));

        // Paused: the next gap opens and nothing is started for either identity.
        Assert.Null(fleet.Daemon.Control.Apply("pause", null));
        var next = fleet.Node.Timeline.CycleGap(2).Opens;
        await fleet.RunUntilAsync(() => fleet.Now >= next + TimeSpan.FromSeconds(10), "ten seconds into the next gap", InProcessFleet.Clock.EpochDuration * 2);
        Assert.DoesNotContain(fleet.Passes.Where(p => p.Observation.At >= next), p => p.Outcomes.Any(o => o.Action is PlannedAction.StartService));
        var proving = fleet.Passes.Where(p => p.Observation.At >= next && p.Observation.Identities["b1"].State == NodePostState.Proving).ToList();
        Assert.NotEmpty(proving);
        Assert.All(proving, p => Assert.Equal(DecisionCode.Paused, p.Plan.Decisions.Single(d => d.ServiceName == "b1").Code));
        Assert.Equal(NodePostState.Proving, fleet.Node.StateOf("a1"));
    }
}
