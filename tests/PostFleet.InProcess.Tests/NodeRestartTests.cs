using PostFleet.Core.Model;
using PostFleet.Core.Planning;

namespace PostFleet.InProcess.Tests;

/// <summary>The node goes away mid-proof and comes back with every identity IDLE for a while, then PROVING again.</summary>
public sealed class NodeRestartTests
{
    [Fact]
    public async Task Nothing_is_stopped_while_the_node_is_down_or_syncing_and_every_run_delivers_its_proof()
    {
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        await fleet.RunUntilAsync(() => fleet.Runtime.Live().Count(r => r.Reading || r.InK2Pow) == 2, "both proving", TimeSpan.FromSeconds(40));
        var before = fleet.Runtime.Live().Select(r => r.InstanceId).ToHashSet();

        fleet.Node.Stop();
        var down = fleet.Passes.Count;
        await fleet.RunForAsync(TimeSpan.FromSeconds(8));

        var whileDown = fleet.Passes.Skip(down).ToList();
        Assert.Contains(whileDown, p => !p.Observation.NodeReachable);
        Assert.DoesNotContain(whileDown, p => p.Outcomes.Any(o => o.Action is PlannedAction.StopService));
        Assert.All(whileDown.Where(p => !p.Observation.NodeReachable), p => Assert.Equal(DecisionCode.NodeUnreachable, p.Plan.Decisions.Single(d => d.ServiceName == "a1").Code));
        Assert.Equal(before, fleet.Runtime.Live().Select(r => r.InstanceId).ToHashSet());

        fleet.Node.Start(fleet.Now);
        var up = fleet.Passes.Count;
        await fleet.RunUntilDeliveredAsync(1);

        var afterwards = fleet.Passes.Skip(up).ToList();
        // The restarted node reports every identity IDLE while it syncs: no evidence of a delivery, so the runs that
        // hold proving work are kept and deliver on the same challenge (one run each, not a second from zero).
        var stoppedWhileIdle = afterwards.SelectMany(p => p.Outcomes).Where(o => o.Action is PlannedAction.StopService).Select(o => o.Service).ToHashSet();
        Assert.Empty(stoppedWhileIdle);
        Assert.All(new[] { "a1", "b1" }, name => Assert.Single(fleet.RunsOf(name)));
        Assert.Contains(afterwards, p => p.Plan.Decisions.Any(d => d.Code == DecisionCode.NodeRestarting));

        Assert.DoesNotContain(fleet.Node.Events, e => e is NodeEvent.PostFailed);
    }
}
