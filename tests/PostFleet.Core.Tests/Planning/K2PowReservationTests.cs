using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// A reading service whose pass may fail re-enters k2pow on its own when the pass ends; a start whose k2pow would
/// still run then is held back. Every service has 4 units of 1024 labels: 65,536 bytes of data.
/// </summary>
public class K2PowReservationTests
{
    private static readonly (string, string[])[] TwoDisks = [("diskA", ["a"]), ("diskB", ["b"])];

    [Fact]
    public void A_pass_ending_inside_the_candidates_k2pow_holds_the_slot_and_is_named()
    {
        // a has 40,000 bytes left at 1,000 B/s: its pass ends in 40 s, b's k2pow takes 60 s.
        var plan = Pass(Spec(Limits(maxPow: 1), TwoDisks), Estimates(k2pow: ("b", 60), rate: ("diskA", 1000)), aAt: Data - 40_000);

        Assert.Empty(plan.Started());
        Assert.Equal(DecisionCode.WaitingForPowReserve, plan.Code("b"));
        Assert.StartsWith("waiting: k2pow slot reserved for a (its pass ends about 14:48:40 and may need k2pow again); max-pow 1; starting now would go over it with 7", plan.DecisionFor("b").Reason, StringComparison.Ordinal);
        Assert.EndsWith("% chance (max-pow-risk 1%)", plan.DecisionFor("b").Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5), plan.RequeueAfter); // resync comes before the pass's end
    }

    [Fact]
    public void The_reason_stays_the_same_while_the_reader_keeps_its_pace()
    {
        var loop = new Loop(Spec(Limits(maxPow: 1), TwoDisks));
        loop.Memory = loop.Memory with { Prior = Estimates(k2pow: ("b", 60), rate: ("diskA", 1000)) };
        loop.World.Proving("a", "b").Running("a", T0.AddMinutes(-5), Proving(Data - 40_000));
        var first = loop.Pass(T0).DecisionFor("b");

        loop.World.Statuses["a"] = Proving(Data - 37_000);
        var later = loop.Pass(T0.AddSeconds(3)).DecisionFor("b");

        Assert.Equal(DecisionCode.WaitingForPowReserve, later.Code);
        Assert.Equal(first.Reason, later.Reason);
    }

    [Fact]
    public void A_pass_ending_just_after_the_candidates_k2pow_still_holds_the_slot_for_the_start_up()
    {
        // a's pass ends in 61 s, b's k2pow takes 60 s: within pipeline-margin (2 s), b's start-up would make them overlap.
        var plan = Pass(Spec(Limits(maxPow: 1), TwoDisks), Estimates(k2pow: ("b", 60), rate: ("diskA", 40_000 / 61.0)), aAt: Data - 40_000);

        Assert.Equal(DecisionCode.WaitingForPowReserve, plan.Code("b"));
    }

    [Fact]
    public void A_pass_ending_well_after_the_candidates_k2pow_holds_nothing()
    {
        var plan = Pass(Spec(Limits(maxPow: 1), TwoDisks), Estimates(k2pow: ("b", 60), rate: ("diskA", 100)), aAt: Data - 40_000);

        Assert.Equal(["b"], plan.Started());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Without_a_read_rate_or_any_k2pow_estimate_a_reader_always_holds_a_slot(bool knowK2Pow, bool knowRate)
    {
        var estimates = Estimates(k2pow: knowK2Pow ? ("b", 60) : null, rate: knowRate ? ("diskA", 100) : null);

        var plan = Pass(Spec(Limits(maxPow: 1), TwoDisks), estimates, aAt: Data - 40_000);

        Assert.Empty(plan.Started());
        Assert.Equal(DecisionCode.WaitingForPowReserve, plan.Code("b"));
        if (!knowRate)
        {
            Assert.Contains("a (when its pass ends is not known yet", plan.DecisionFor("b").Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unlimited_max_pow_reserves_nothing()
    {
        var plan = Pass(Spec(Limits(maxPow: 0), TwoDisks), ProvingEstimates.None, aAt: Data - 40_000);

        Assert.Equal(["b"], plan.Started());
    }

    [Fact]
    public void A_service_back_in_k2pow_counts_once_as_k2pow_not_again_as_a_reader()
    {
        // Nothing is known, so a reader always holds a slot: counted twice, a alone would fill max-pow 2.
        var loop = new Loop(Spec(Limits(maxPow: 2), TwoDisks));
        loop.World.Proving("a", "b").Running("a", T0.AddMinutes(-5), Proving(Data / 2));
        loop.Pass(T0);

        // a's pass found no proof: the next one starts with k2pow (new nonces, position 0).
        loop.World.Statuses["a"] = Proving(0, nonceStart: 16);
        var plan = loop.Pass(T0.AddSeconds(10));

        Assert.Equal(["b"], plan.Started());
        Assert.Null(plan.Next.For("a").PassRead);
    }

    [Fact]
    public void The_readers_own_rate_in_this_pass_wins_over_the_disks_learned_rate()
    {
        // The disk was once fast (10,000 B/s: a would end in 3 s); this pass reads 500 B/s: 40,000 bytes need 80 s.
        var loop = new Loop(Spec(Limits(maxPow: 1), TwoDisks));
        loop.Memory = loop.Memory with { Prior = Estimates(k2pow: ("b", 60), rate: ("diskA", 10_000)) };
        loop.World.Proving("a", "b").Running("a", T0.AddMinutes(-5), Proving(Data - 45_000));
        Assert.Equal(DecisionCode.WaitingForPowReserve, loop.Pass(T0).Code("b"));

        loop.World.Statuses["a"] = Proving(Data - 40_000);
        var plan = loop.Pass(T0.AddSeconds(10));

        Assert.Equal(["b"], plan.Started());
    }

    [Fact]
    public void A_candidate_never_measured_uses_another_services_k2pow_scaled_by_units()
    {
        // c (4 units) took 60 s; b has 8 units: about 120 s, so a pass ending in 100 s holds the slot.
        var spec = WithUnits(Spec(Limits(maxPow: 1), [.. TwoDisks, ("diskC", ["c"])]), "b", 8);
        var plan = Pass(spec, Estimates(k2pow: ("c", 60), rate: ("diskA", 400)), aAt: Data - 40_000);

        Assert.Equal(DecisionCode.WaitingForPowReserve, plan.Code("b"));
        Assert.Contains("ends about 14:49:40", plan.DecisionFor("b").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pipelined_successor_timed_to_its_disks_reader_is_not_held_by_that_reader()
    {
        // One disk: a reads until T0+100s; a2's k2pow takes 60 s on average (a median of 59 s at 288 nonces, timed
        // against at penalty 0.5), so it starts at about T0+43s (margin 2 s) and its k2pow ends around a's pass end. That overlap is the pipelining itself, not a reservation. Mainnet odds at 288 nonces
        // (a pass fails 0.08% of the time), so pipelining is worth it (ReentryOverlapTests).
        var limits = Limits(maxPow: 1) with { Mode = ScheduleMode.Pipelined };
        var spec = Spec(limits, [("diskA", ["a", "a2"])]);
        var loop = new Loop(spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = 288 } });
        loop.Memory = loop.Memory with { Prior = Estimates(k2pow: ("a2", 60), rate: ("diskA", 400)) };
        loop.World.Proving("a", "a2").Running("a", T0.AddMinutes(-5), Proving(Data - 40_000));
        Assert.Equal(DecisionCode.WaitingForDisk, loop.Pass(T0).Code("a2"));

        loop.World.Statuses["a"] = Proving(Data - 40_000 + (44 * 400));
        var plan = loop.Pass(T0.AddSeconds(44));

        Assert.Equal(["a2"], plan.Started());
    }

    [Theory]
    [InlineData(288, 5, true)]
    [InlineData(288, 0, false)]
    [InlineData(128, 5, true)]
    [InlineData(128, 4, false)]
    public void Whether_a_held_slot_blocks_depends_on_the_odds_of_a_failed_pass(int nonces, int riskPercent, bool starts)
    {
        var spec = Spec(Limits(maxPow: 1) with { MaxPowRiskPercent = riskPercent }, TwoDisks);
        spec = spec with { Post = spec.Post with { K1 = 26, K2 = 37, Nonces = nonces } };

        var plan = Pass(spec, Estimates(k2pow: ("b", 60), rate: ("diskA", 1000)), aAt: Data - 40_000);

        Assert.Equal(starts ? DecisionCode.Start : DecisionCode.WaitingForPowReserve, plan.Code("b"));
    }

    [Theory]
    [InlineData(16, 0.674)]
    [InlineData(128, 0.0425)]
    [InlineData(288, 0.00082)]
    public void A_pass_fails_as_post_service_md_says(int nonces, double expected)
    {
        var post = Spec(Limits(), TwoDisks).Post with { K1 = 26, K2 = 37, Nonces = nonces };

        Assert.Equal(expected, K2PowReservation.PassFailureChance(post), expected / 50);
    }

    [Fact]
    public void Over_cap_chance_is_the_binomial_tail()
    {
        Assert.Equal(0, K2PowReservation.OverCapChance(1, 2, 0.5));
        Assert.Equal(0.5, K2PowReservation.OverCapChance(1, 1, 0.5), 9);
        Assert.Equal(0.75, K2PowReservation.OverCapChance(2, 1, 0.5), 9);
        Assert.Equal(0.25, K2PowReservation.OverCapChance(2, 2, 0.5), 9);
        Assert.Equal(1, K2PowReservation.OverCapChance(0, 0, 0.1));
    }

    private static Plan Pass(FleetSpec spec, ProvingEstimates prior, ulong aAt)
    {
        var loop = new Loop(spec);
        loop.Memory = loop.Memory with { Prior = prior };
        loop.World.Proving([.. spec.Services.Select(s => s.Name)]).Running("a", T0.AddMinutes(-5), Proving(aAt));
        return loop.Pass(T0);
    }

    private static ProvingEstimates Estimates((string Service, double Seconds)? k2pow = null, (string Disk, double BytesPerSecond)? rate = null)
    {
        var e = ProvingEstimates.None;
        if (k2pow is { } k)
        {
            e = e with { K2Pow = new Dictionary<string, TimeSpan> { [k.Service] = TimeSpan.FromSeconds(k.Seconds) } };
        }

        return rate is { } r ? e with { DiskReadRate = new Dictionary<string, double> { [r.Disk] = r.BytesPerSecond } } : e;
    }

    private static FleetSpec WithUnits(FleetSpec spec, string service, uint units) => spec with
    {
        Disks = [.. spec.Disks.Select(d => d with { Services = [.. d.Services.Select(s => s.Name == service ? s with { NumUnits = units } : s)] })],
    };

    private sealed class Loop(FleetSpec spec)
    {
        public WorldView World { get; } = new();

        public PlannerMemory Memory { get; set; } = PlannerMemory.Empty;

        public Plan Pass(DateTimeOffset now)
        {
            var plan = Planner.Decide(spec, World.Snapshot(now), Memory, now);
            Memory = plan.Next;
            return plan;
        }
    }
}
