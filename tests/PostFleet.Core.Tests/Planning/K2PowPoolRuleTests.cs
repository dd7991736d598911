using System.Collections.Immutable;
using System.Net;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;
using Loop = PostFleet.Core.Tests.Planning.PlannerLoop;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// With a k2pow pool, k2pow is counted against the resource it runs on: the host's CPU (schedule.max-pow), the
/// pool (k2pow.max-pow), or a service's own direct worker (one job). One never takes a slot of another.
/// </summary>
public class K2PowPoolRuleTests
{
    /// <summary>The spec with a pool of <paramref name="workers"/> external workers (hash rate unknown unless given).</summary>
    internal static FleetSpec WithPool(FleetSpec spec, int poolMaxPow, string[]? disks = null, string? directService = null, int workers = 1, double? hashRate = null) => spec with
    {
        K2Pow = new K2PowPoolSpec(
            new IPEndPoint(IPAddress.Loopback, 9130),
            new Uri("http://127.0.0.1:9130"),
            4,
            TimeSpan.FromSeconds(5),
            poolMaxPow,
            TimeSpan.FromSeconds(1),
            [.. disks ?? []],
            [.. Enumerable.Range(1, workers).Select(i => new K2PowWorkerSpec($"worker-{i}", new Uri($"http://127.0.0.1:{2999 + i}"), 4, hashRate, false))],
            null,
            directService is null ? ImmutableDictionary<string, Uri>.Empty : ImmutableDictionary<string, Uri>.Empty.Add(directService, new Uri("http://127.0.0.1:3900")),
            []),
    };

    [Fact]
    public void Pool_services_take_pool_slots_not_local_ones()
    {
        // max-pow 1 on the host, k2pow.max-pow 2 on the pool for diskB and diskC: three start at once.
        var loop = new Loop(WithPool(Spec(Limits(maxPow: 1), [("diskA", ["a1", "a2"]), ("diskB", ["b1"]), ("diskC", ["c1"]), ("diskD", ["d1"])]), 2, ["diskB", "diskC", "diskD"]));
        loop.World.Proving("a1", "a2", "b1", "c1", "d1");

        var plan = loop.Pass(T0);

        Assert.Equal(["a1", "b1", "c1"], plan.Started().Order());
        Assert.Equal(DecisionCode.WaitingForPow, plan.Code("d1"));
        Assert.Contains("k2pow.max-pow 2", plan.DecisionFor("d1").Reason, StringComparison.Ordinal);
        Assert.Equal(DecisionCode.WaitingForDisk, plan.Code("a2"));
    }

    [Fact]
    public void A_full_local_cpu_does_not_hold_back_a_pool_service()
    {
        var loop = new Loop(WithPool(Spec(Limits(maxPow: 1), [("diskA", ["a1"]), ("diskB", ["b1"]), ("diskC", ["c1"])]), 1, ["diskC"]));
        loop.World.Proving("a1", "b1", "c1").Running("a1", T0.AddSeconds(-5), Proving(0));

        var plan = loop.Pass(T0);

        Assert.Equal(["c1"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForPow, plan.Code("b1"));
        Assert.Contains("(max-pow 1)", plan.DecisionFor("b1").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_direct_worker_is_its_services_own_single_slot()
    {
        var loop = new Loop(WithPool(Spec(Limits(maxPow: 1), [("diskA", ["a1"]), ("diskB", ["b1"])]), 1, ["diskA"], directService: "b1"));
        loop.World.Proving("a1", "b1");

        var plan = loop.Pass(T0);

        Assert.Equal(["a1", "b1"], plan.Started().Order());
    }
}
