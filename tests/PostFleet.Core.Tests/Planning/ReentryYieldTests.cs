using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// Pipelined mode: b was timed to a's read; a's pass found no proof and a re-entered k2pow (nonces 16..32 at
/// position 0, its previous pass seen reading). b in its first pass gives the disk back when reading beside a's
/// reread would lose more than its start-up, k2pow and read so far. Each service has 65,536 bytes; a's first pass
/// read 41,536 of them in 100 s (415 B/s: a full read takes 158 s, so the overlap at p = 0.5 costs up to 158 s); b
/// started up in 100 s (its first /status answer) and its k2pow is 30 s.
/// </summary>
public class ReentryYieldTests
{
    [Theory]
    [InlineData(0UL, 0.5, true)] // b in k2pow: 158 s of overlap against its 100 s start-up and 30 s k2pow
    [InlineData(8_000UL, 0.5, true)] // b read 19 s (first seen reading: 100 s of k2pow, no start-up seen): 139 s against 119 s
    [InlineData(40_000UL, 0.5, false)] // b read 96 s: 61 s against 196 s
    [InlineData(0UL, 0.1, false)] // an SSD-like disk: 32 s of overlap against 130 s
    public void A_first_pass_gives_the_disk_back_to_a_failed_pass_when_the_overlap_costs_more(ulong bRead, double penalty, bool yields)
    {
        var (spec, world, memory) = FailedPassBesideTimedSuccessor(ScheduleMode.Pipelined, penalty);
        world.Statuses["b"] = Proving(bRead);

        var plan = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(200)), memory, T0.AddSeconds(200));

        var stop = plan.Actions.OfType<PlannedAction.StopService>().SingleOrDefault();
        Assert.Equal(yields, stop is not null);
        Assert.DoesNotContain(plan.Actions, a => a is PlannedAction.StopService { ServiceName: "a" }); // the failed pass is never stopped
        if (yields)
        {
            Assert.Equal(("b", StopReason.YieldsDiskToReentry, false), (stop!.ServiceName, stop.Reason, stop.Force));
            Assert.Equal(DecisionCode.YieldsDiskToReentry, plan.Code("b"));
            Assert.StartsWith("stopping: a's pass on disk diskA found no proof and reads all its data again", plan.DecisionFor("b").Reason, StringComparison.Ordinal);
            Assert.Equal(StopReason.YieldsDiskToReentry, plan.Next.For("b").StopRequestedFor);
        }
    }

    [Fact]
    public void Exclusive_mode_never_yields()
    {
        var (spec, world, memory) = FailedPassBesideTimedSuccessor(ScheduleMode.Exclusive, 0.5);

        var plan = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(200)), memory, T0.AddSeconds(200));

        Assert.Empty(plan.Actions.OfType<PlannedAction.StopService>());
    }

    [Fact]
    public void A_pass_at_position_0_is_no_re_entry_unless_the_pass_before_it_was_seen_reading()
    {
        var (spec, world, _) = FailedPassBesideTimedSuccessor(ScheduleMode.Pipelined, 0.5);
        var memory = PlannerMemory.Empty with { Prior = Prior(0.5) }; // a never seen reading: its k2pow may be its first

        var plan = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(200)), memory, T0.AddSeconds(200));

        Assert.Empty(plan.Actions.OfType<PlannedAction.StopService>());
    }

    /// <summary>
    /// Once stopped, b waits for a's reread (a is in k2pow for the disk) and is timed to it like any successor; it is
    /// not started again beside it.
    /// </summary>
    [Fact]
    public void The_yielded_successor_waits_for_the_reread()
    {
        var (spec, world, memory) = FailedPassBesideTimedSuccessor(ScheduleMode.Pipelined, 0.5);
        var first = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(200)), memory, T0.AddSeconds(200));
        Assert.Equal(DecisionCode.YieldsDiskToReentry, first.Code("b"));
        world.Runs.Remove("b");
        world.Statuses.Remove("b");

        var after = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(205)), first.Next, T0.AddSeconds(205));

        Assert.Empty(after.Actions.OfType<PlannedAction.StartService>());
        Assert.Equal(DecisionCode.WaitingForDisk, after.Code("b"));
    }

    /// <summary>
    /// Random pipelined disks: each service in its first pass (k2pow or reading), in a later pass's k2pow after its
    /// pass before was seen reading (a re-entry), or not started; random estimates and penalty. A yield stops only a
    /// first pass beside a re-entry, never the re-entry itself, and both outcomes come up (the rule fires and holds back).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_yield_stops_only_a_first_pass_beside_a_re_entry(int seed)
    {
        var random = new Random(seed);
        int yielded = 0, kept = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var names = Enumerable.Range(0, random.Next(2, 5)).Select(n => $"s{n}").ToArray();
            var spec = Spec(Limits(maxPow: random.Next(0, 4)) with { Mode = ScheduleMode.Pipelined }, [("diskA", names)]);
            spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 128 } };
            var prior = new ProvingEstimates(
                names.ToImmutableDictionary(n => n, _ => TimeSpan.FromSeconds(random.Next(5, 300))),
                ImmutableDictionary<string, double>.Empty.Add("diskA", random.Next(100, 1000)))
            {
                TwoReaderPenalty = ImmutableDictionary<string, double>.Empty.Add("diskA", random.NextDouble() * 1.5),
            };
            var world = new WorldView().Proving(names);
            var later = new Dictionary<string, ServiceStatus>();
            foreach (var n in names)
            {
                switch (random.Next(4))
                {
                    case 0: // a re-entry: seen reading its first pass, now in the next pass's k2pow
                        world.Running(n, T0, Proving(30_000));
                        later[n] = Proving(0, nonceStart: 16);
                        break;
                    case 1:
                        world.Running(n, T0.AddSeconds(50));
                        later[n] = Proving(random.Next(2) == 0 ? 0 : (ulong)random.Next(1, (int)Data));
                        break;
                    case 2:
                        world.Running(n, T0, Proving(1_000, nonceStart: 16));
                        later[n] = Proving(20_000, nonceStart: 16);
                        break;
                }
            }

            var memory = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(100)), PlannerMemory.Empty with { Prior = prior }, T0.AddSeconds(100)).Next;
            foreach (var (n, status) in later)
            {
                world.Statuses[n] = status;
            }

            var plan = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(160)), memory, T0.AddSeconds(160));
            var reentry = later.Any(kv => kv.Value is ServiceStatus.Proving { NonceStart: > 0, InK2Pow: true } && world.Runs[kv.Key].StartedAt == T0);
            foreach (var stop in plan.Actions.OfType<PlannedAction.StopService>())
            {
                Assert.Equal(StopReason.YieldsDiskToReentry, stop.Reason);
                Assert.True(later[stop.ServiceName] is ServiceStatus.Proving { NonceStart: 0 }, $"case {i}: {stop.ServiceName} is not in its first pass");
                Assert.True(reentry, $"case {i}: {stop.ServiceName} yielded with no re-entry on its disk");
                Assert.False(stop.Force);
                yielded++;
            }

            if (reentry && plan.Actions.OfType<PlannedAction.StopService>().Count() < later.Count(kv => kv.Value is ServiceStatus.Proving { NonceStart: 0 }))
            {
                kept++;
            }
        }

        Assert.True(yielded > 0 && kept > 0, $"yielded {yielded}, kept {kept}: both outcomes must come up");
    }

    /// <summary>a was seen reading its first pass at T0+100 (24,000 bytes in) and in a later pass's k2pow at T0+200; b started at T0+100.</summary>
    private static (FleetSpec, WorldView, PlannerMemory) FailedPassBesideTimedSuccessor(ScheduleMode mode, double penalty)
    {
        var spec = Spec(Limits(maxPow: 2) with { Mode = mode }, [("diskA", ["a", "b"])]);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 128 } };
        var world = new WorldView().Proving("a", "b").Running("a", T0, Proving(24_000));
        var memory = PlannerMemory.Empty with { Prior = Prior(penalty) };
        memory = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(100)), memory, T0.AddSeconds(100)).Next;
        world.Running("b", T0.AddSeconds(100), Proving(0));
        world.Statuses["a"] = Proving(0, nonceStart: 16);
        return (spec, world, memory);
    }

    private static ProvingEstimates Prior(double penalty) =>
        new(ImmutableDictionary<string, TimeSpan>.Empty.Add("a", TimeSpan.FromSeconds(60)).Add("b", TimeSpan.FromSeconds(30)), ImmutableDictionary<string, double>.Empty.Add("diskA", 400))
        {
            TwoReaderPenalty = ImmutableDictionary<string, double>.Empty.Add("diskA", penalty),
        };
}
