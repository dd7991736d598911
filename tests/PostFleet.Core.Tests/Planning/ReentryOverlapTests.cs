using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// Pipelined mode: a successor timed to its disk's reader reads alongside that reader's next pass when the pass
/// fails. It is timed only when the k2pow it hides is worth more than the expected overlap. Each service has 65,536
/// bytes; the disk reads 400 B/s (a full read takes 164 s); a reads until T0+100 s.
/// </summary>
public class ReentryOverlapTests
{
    [Theory]
    [InlineData(288, 60, true)] // fails 0.08%: 0.13 s expected overlap < 60 s saved
    [InlineData(128, 60, true)] // 4.3%: 7 s < 57 s
    [InlineData(128, 5, false)] // 4.3%: 7 s > 4.8 s (a short k2pow next to a long read)
    [InlineData(16, 60, false)] // 67%: 110 s > 20 s
    public void A_successor_is_timed_only_when_the_k2pow_it_hides_outweighs_the_expected_overlap(int nonces, int k2powSeconds, bool timed)
    {
        var spec = Spec(Limits(maxPow: 1) with { Mode = ScheduleMode.Pipelined }, [("diskA", ["a", "a2"])]);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = nonces } };
        var world = new WorldView().Proving("a", "a2").Running("a", T0.AddMinutes(-5), Proving(Data - 40_000));
        var memory = PlannerMemory.Empty with { Prior = Estimates(("a2", k2powSeconds), ("diskA", 400)) };

        var plan = Planner.Decide(spec, world.Snapshot(T0), memory, T0);

        Assert.Equal(DecisionCode.WaitingForDisk, plan.Code("a2"));
        if (timed)
        {
            Assert.Contains("so its k2pow", plan.DecisionFor("a2").Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith("waiting: disk diskA read by a; not pipelining: a pass fails with", plan.DecisionFor("a2").Reason, StringComparison.Ordinal);
            Assert.Equal(spec.Schedule.Resync, plan.RequeueAfter); // no wake: the reader's delivery or re-entry is what changes things
        }
    }

    /// <summary>
    /// The overlap's cost is the disk's own two-reader penalty: on an SSD seen to lose nothing with two readers the
    /// short k2pow is worth timing; on a disk seen to lose 0.5 (the assumption before anything is seen) it is not.
    /// </summary>
    [Theory]
    [InlineData(null, false)]
    [InlineData(0.5, false)]
    [InlineData(0.05, true)]
    [InlineData(0.0, true)]
    public void The_overlap_costs_the_penalty_learned_for_the_disk(double? learned, bool timed)
    {
        var spec = Spec(Limits(maxPow: 1) with { Mode = ScheduleMode.Pipelined }, [("diskA", ["a", "a2"])]);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 128 } };
        var world = new WorldView().Proving("a", "a2").Running("a", T0.AddMinutes(-5), Proving(Data - 40_000));
        var prior = Estimates(("a2", 5), ("diskA", 400));
        if (learned is { } p)
        {
            prior = prior with { TwoReaderPenalty = ImmutableDictionary<string, double>.Empty.Add("diskA", p) };
        }

        var plan = Planner.Decide(spec, world.Snapshot(T0), PlannerMemory.Empty with { Prior = prior }, T0);

        Assert.Equal(timed, plan.DecisionFor("a2").Reason.Contains("so its k2pow", StringComparison.Ordinal));
    }

    /// <summary>
    /// With several disks the overlap is weighed by the end that counts: the busiest other disk's (the fleet's
    /// makespan). diskA has 264 s of reads left (a's 100 s and a2's 164 s); a failed pass of a adds its re-read
    /// (164 s) and, with a2 timed, the overlap (164 s at p = 0.5). diskB holds b1 and b2 (2 × 65,536 bytes at the
    /// given rate). The disk-seconds rule alone would time a2 in every case (7 s expected overlap &lt; 57 s saved).
    /// </summary>
    [Theory]
    [InlineData(4000, true)] // diskB 33 s: diskA is the busiest, every second on it counts (7 s < 57 s)
    [InlineData(360, false)] // diskB 364 s: 100 s of room; the hidden 60 s moves nothing, a failed pass's overlap moves the end
    [InlineData(200, false)] // diskB 655 s: room for the re-read and the overlap (592 s), but nothing to gain either
    public void A_successor_near_the_busiest_disks_end_is_not_timed_to_a_pass_that_may_fail(double diskBRate, bool timed)
    {
        var spec = Spec(Limits(maxPow: 1) with { Mode = ScheduleMode.Pipelined }, [("diskA", ["a", "a2"]), ("diskB", ["b1", "b2"])]);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 128 } };
        var world = new WorldView().Proving("a", "a2", "b1", "b2").Running("a", T0.AddMinutes(-5), Proving(Data - 40_000));
        var prior = Estimates(("a2", 60), ("diskA", 400)) with
        {
            DiskReadRate = ImmutableDictionary<string, double>.Empty.Add("diskA", 400).Add("diskB", diskBRate),
        };

        var plan = Planner.Decide(spec, world.Snapshot(T0), PlannerMemory.Empty with { Prior = prior }, T0);

        Assert.Equal(DecisionCode.WaitingForDisk, plan.Code("a2"));
        if (timed)
        {
            Assert.Contains("so its k2pow", plan.DecisionFor("a2").Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith("waiting: disk diskA read by a; not pipelining: a pass fails with", plan.DecisionFor("a2").Reason, StringComparison.Ordinal);
        }
    }

    internal static ProvingEstimates Estimates((string Service, double Seconds) k2pow, (string Disk, double BytesPerSecond) rate) =>
        new(
            ImmutableDictionary<string, TimeSpan>.Empty.Add(k2pow.Service, TimeSpan.FromSeconds(k2pow.Seconds)),
            ImmutableDictionary<string, double>.Empty.Add(rate.Disk, rate.BytesPerSecond));
}
