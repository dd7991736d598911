using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// Two nodes on PoETs of different phases share one disk: each identity is judged by its own node's gap and
/// deadline, the proof due sooner goes first, and the disk cap holds across both nodes.
/// </summary>
public sealed class SeveralNodesTests
{
    private const double Hour = 3600;

    // One k2pow is a minute; 4 units read in 4 hours.
    private static readonly ProvingEstimates Known = new(
        ImmutableDictionary<string, TimeSpan>.Empty.Add("a1", TimeSpan.FromMinutes(1)).Add("b1", TimeSpan.FromMinutes(1)),
        ImmutableDictionary<string, double>.Empty.Add("diskA", 16384 / Hour));

    // node-a's gap closes in 12 h (deadline 24 h); node-b's, on another phase, in 5 h (its deadline in 6 h).
    private static readonly CycleGapWindow GapA = new(2, T0, T0.AddHours(11), T0.AddHours(12), T0.AddHours(24));
    private static readonly CycleGapWindow GapB = new(2, T0, T0.AddHours(4), T0.AddHours(5), T0.AddHours(6));

    [Fact]
    public void The_proof_due_sooner_starts_first_whatever_the_config_order()
    {
        var plan = Planner.Decide(Shared(), TwoNodes(new WorldView().Proving("a1", "b1")), PlannerMemory.Empty with { Prior = Known }, T0);

        // a1 is first on the disk in the config, but node-b's gap closes 7 h sooner; the disk takes one at a time, and
        // both still make their own gaps (b1 by 5 h, a1 after it by 12 h).
        Assert.Equal(DecisionCode.Start, plan.Code("b1"));
        Assert.Equal(["b1"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForDisk, plan.Code("a1"));
    }

    [Fact]
    public void Each_identity_is_judged_by_its_own_nodes_deadline()
    {
        var spec = Shared();
        var a = new ProvingWindow(12 * Hour, 24 * Hour);
        var b = new ProvingWindow(5 * Hour, 6 * Hour);
        List<ProofWork> Work(ProvingWindow windowOfB) =>
        [
            new(spec.Services.First(), 60, 4 * Hour, Started: true, K2PowLeft: 60, ReadLeft: 4 * Hour) { Window = a },
            new(spec.Services.Last(), 60, 4 * Hour) { Window = windowOfB },
        ];

        // a1 already holds the disk for 4 h: b1 after it ends past 8 h, beyond node-b's gap (5 h) and deadline (6 h), so
        // it will miss by its own node's clock; by node-a's (gap 12 h) it would have made the gap.
        Assert.Equal(ProofOutlook.WillMiss, ProvingOrder.Admit(Work(b), 0, a, k2powHidden: false)["b1"]);
        Assert.Equal(ProofOutlook.InGap, ProvingOrder.Admit(Work(a), 0, a, k2powHidden: false)["b1"]);
    }

    [Fact]
    public void A_node_that_does_not_answer_holds_only_its_own_identities()
    {
        var spec = Shared();
        var snapshot = TwoNodes(new WorldView().Proving("a1", "b1"));
        snapshot = snapshot with { NodeSides = snapshot.NodeSides.SetItem("node-b", snapshot.NodeSides["node-b"] with { NodeReachable = false }) };

        var plan = Planner.Decide(spec, snapshot, PlannerMemory.Empty with { Prior = Known }, T0);

        Assert.Equal(["a1"], plan.Started());
        Assert.Equal(DecisionCode.NodeUnreachable, plan.Code("b1"));
    }

    private static FleetSpec Shared()
    {
        var spec = Spec(Limits(maxPow: 0), [("diskA", ["a1", "b1"])]);
        var b = spec.Node with { PostListener = new Uri("http://127.0.0.1:11094") };
        return spec with
        {
            Nodes = [spec.Node with { Name = "node-a" }, b with { Name = "node-b" }],
            Node = spec.Node with { Name = "node-a" },
            Disks = [spec.Disks[0] with { Services = [spec.Disks[0].Services[0] with { Node = "node-a" }, spec.Disks[0].Services[1] with { Node = "node-b" }] }],
        };
    }

    private static FleetSnapshot TwoNodes(WorldView world)
    {
        var fleetWide = world.Snapshot(T0) with { Window = GapB };
        return fleetWide with
        {
            NodeSides = ImmutableDictionary<string, FleetSnapshot>.Empty.Add("node-a", fleetWide with { Window = GapA }).Add("node-b", fleetWide with { Window = GapB }),
            NodeOfService = ImmutableDictionary<string, string>.Empty.Add("a1", "node-a").Add("b1", "node-b"),
        };
    }
}
