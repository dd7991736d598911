using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// Exclusive mode with more disks than k2pow slots: the disk with the most estimated reads left gets the slot first
/// (its last read ends last); without estimates the config order stands.
/// </summary>
public class ExclusiveOrderTests
{
    [Fact]
    public void The_disk_with_the_most_reads_left_starts_first_when_k2pow_slots_are_short()
    {
        var spec = Spec(Limits(maxPow: 1), [("diskA", ["a1", "a2"]), ("diskB", ["b1", "b2", "b3"])]);
        var world = new WorldView().Proving("a1", "a2", "b1", "b2", "b3");
        var prior = new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty,
            ImmutableDictionary<string, double>.Empty.Add("diskA", 400).Add("diskB", 400));

        var plan = Planner.Decide(spec, world.Snapshot(T0), PlannerMemory.Empty with { Prior = prior }, T0);

        Assert.Equal(["b1"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForPow, plan.Code("a1"));
    }

    [Fact]
    public void Without_estimates_the_config_order_stands()
    {
        var spec = Spec(Limits(maxPow: 1), [("diskA", ["a1", "a2"]), ("diskB", ["b1", "b2", "b3"])]);
        var world = new WorldView().Proving("a1", "a2", "b1", "b2", "b3");

        var plan = Planner.Decide(spec, world.Snapshot(T0), PlannerMemory.Empty, T0);

        Assert.Equal(["a1"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForPow, plan.Code("b1"));
    }
}
