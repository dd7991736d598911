using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// What the planner learns from a run's /status sequence, pass by pass (post-service.md §3-4: each pass shows
/// position 0 with its nonces during k2pow, then the bytes read in this pass). Service a has 4 units of 1024 labels:
/// 65,536 bytes of data. Time is seconds after T0, when a started.
/// </summary>
public class PassLearningTests
{
    private static readonly FleetSpec OneDisk = Spec(Limits(maxPow: 1), [("diskA", ["a"])]);

    [Fact]
    public void A_failed_pass_teaches_its_own_read_rate_and_the_re_entry_its_k2pow()
    {
        var a = new Sequence();
        a.See(0, Proving(0));
        a.See(60, Proving(1_536));
        Assert.Equal(TimeSpan.FromSeconds(60), a.Memory.LastK2Pow);

        a.See(100, Proving(41_536));
        var failed = a.See(124, Proving(0, nonceStart: 16)); // the pass read everything and found no proof

        Assert.Equal(1000, failed.LastReadRate); // 64,000 bytes in the 64 s it was seen reading
        Assert.Equal(TimeSpan.FromSeconds(60), failed.LastK2Pow);

        var reentered = a.See(154, Proving(2_000, nonceStart: 16));
        Assert.Equal(TimeSpan.FromSeconds(30), reentered.LastK2Pow);
        Assert.Equal(1000, reentered.LastReadRate);
    }

    [Fact]
    public void A_successful_pass_counts_the_last_position_seen_not_the_data_size_nor_the_failed_passes_before_it()
    {
        var a = new Sequence();
        a.See(0, Proving(0));
        a.See(60, Proving(1_536));
        a.See(124, Proving(0, nonceStart: 16));
        a.See(154, Proving(2_000, nonceStart: 16));
        a.See(174, Proving(42_000, nonceStart: 16)); // 2,000 B/s in this pass
        var delivered = a.Deliver(180);

        // Not 65,536 / (180 − 60) ≈ 546 B/s (first read to delivery), nor the data size over the pass's time.
        Assert.Equal(2000, delivered.LastReadRate);
        Assert.Null(delivered.PassRead);
    }

    [Fact]
    public void A_reading_answer_read_before_the_delivery_and_taken_after_it_teaches_nothing()
    {
        var a = new Sequence();
        a.See(0, Proving(0));
        a.See(60, Proving(1_536));
        a.See(100, Proving(41_536));
        a.See(110, Proving(61_536));
        var delivered = a.Deliver(112);

        // The run's last /status answer, still reading, taken by a later pass (it is not read again at every pass).
        var after = a.See(112.5, Proving(61_536));
        Assert.Null(after.PassRead);
        Assert.Equal(delivered.LastReadRate, after.LastReadRate);
        Assert.Equal(delivered.Sharing, after.Sharing);
    }

    [Fact]
    public void A_k2pow_never_seen_between_two_passes_leaves_only_what_was_seen_of_the_read()
    {
        var a = new Sequence();
        a.See(0, Proving(0));
        a.See(60, Proving(1_536));
        a.See(100, Proving(41_536));
        var later = a.See(200, Proving(10_000, nonceStart: 16)); // the read's end and the next k2pow were missed

        Assert.Equal(1000, later.LastReadRate);
        Assert.Equal(TimeSpan.FromSeconds(60), later.LastK2Pow); // the re-entry's k2pow is unknown, not 76 s
        Assert.Equal(new PassReadMark(16, 10_000, T0.AddSeconds(200)) { LastReaders = 1 }, later.PassRead);
    }

    [Fact]
    public void A_pass_never_seen_moving_teaches_no_read_rate()
    {
        var a = new Sequence();
        a.See(0, Proving(0));
        a.See(60, Proving(1_536));

        Assert.Null(a.Deliver(130).LastReadRate);
    }

    [Fact]
    public void The_read_rate_learned_in_a_pass_becomes_the_disks_estimate()
    {
        var a = new Sequence();
        a.See(0, Proving(0));
        a.See(60, Proving(1_536));
        var m = a.See(124, Proving(0, nonceStart: 16));

        var estimates = ProvingEstimates.Combine(OneDisk, new Dictionary<string, ServiceMemory> { ["a"] = m }, null);

        Assert.Equal(1000, estimates.ReadRateOf("diskA"));
        Assert.Equal(TimeSpan.FromSeconds(60), estimates.K2PowOf("a"));
    }

    /// <summary>
    /// post-service answers no /status while it builds its RandomX dataset (service.rs holds the state lock through
    /// it), then shows its first pass at position 0 while k2pow runs: the start-up and the k2pow are learned apart,
    /// since a re-entry has no start-up and only k2pow scales with units.
    /// </summary>
    [Fact]
    public void The_start_up_before_the_first_status_answer_is_learned_apart_from_the_k2pow()
    {
        var a = new Sequence();
        a.Starting(0);
        a.Starting(50); // still building the dataset: no answer
        var k2pow = a.See(90, Proving(0));
        Assert.Equal(TimeSpan.FromSeconds(90), k2pow.LastStartup);
        Assert.Null(k2pow.LastK2Pow);

        var reading = a.See(150, Proving(1_536));

        Assert.Equal(TimeSpan.FromSeconds(60), reading.LastK2Pow); // not 150 s from the start
        var estimates = ProvingEstimates.Combine(OneDisk, new Dictionary<string, ServiceMemory> { ["a"] = reading }, null);
        Assert.Equal(TimeSpan.FromSeconds(90), estimates.StartupOf(OneDisk.Services.First()));
        Assert.Equal(TimeSpan.FromSeconds(150), estimates.StartAndK2PowOf(OneDisk.Services.First()));
    }

    [Fact]
    public void A_first_k2pow_never_seen_is_the_time_from_the_start_less_the_start_up_learned_before()
    {
        var a = new Sequence();
        a.Starting(0);
        a.See(90, Proving(0));
        a.See(150, Proving(1_536));
        a.Restart(1_000); // a new run of the same service, in the same round

        var reading = a.See(1_200, Proving(4_000)); // its start-up and k2pow both fell between two looks

        Assert.Equal(TimeSpan.FromSeconds(110), reading.LastK2Pow); // 200 s from its start less the 90 s start-up
        Assert.Equal(TimeSpan.FromSeconds(90), reading.LastStartup);
    }

    [Fact]
    public void Start_up_is_per_disk_and_a_disk_without_one_takes_the_mean_of_the_others()
    {
        var spec = Spec(Limits(), [("diskA", ["a"]), ("diskB", ["b"]), ("diskC", ["c"])]);
        var memory = new Dictionary<string, ServiceMemory>
        {
            ["a"] = ServiceMemory.Initial with { LastStartup = TimeSpan.FromSeconds(60), LastK2Pow = TimeSpan.FromSeconds(100) },
            ["b"] = ServiceMemory.Initial with { LastStartup = TimeSpan.FromSeconds(120) },
        };

        var estimates = ProvingEstimates.Combine(spec, memory, null);

        Assert.Equal(TimeSpan.FromSeconds(60), estimates.StartupOf(spec.Services.ElementAt(0)));
        Assert.Equal(TimeSpan.FromSeconds(90), estimates.StartupOf(spec.Services.ElementAt(2)));
        Assert.Equal(TimeSpan.FromSeconds(160), estimates.StartAndK2PowOf(spec.Services.ElementAt(0)));
        Assert.Null(estimates.StartAndK2PowOf(spec.Services.ElementAt(1))); // no k2pow learned
        Assert.Equal(TimeSpan.Zero, ProvingEstimates.None.StartupOf(spec.Services.ElementAt(0))); // a prior from before: k2pow includes it
    }

    /// <summary>
    /// The two-reader penalty is learned from what the looks saw: a alone at 1,000 B/s, then a and b together at
    /// 300 B/s each: 1,000 = 2 × 300 × (1 + p), p = 2/3. A stretch whose two looks saw different readers (b began
    /// reading between them) teaches nothing.
    /// </summary>
    [Fact]
    public void The_two_reader_penalty_is_learned_from_rates_seen_alone_and_shared()
    {
        var spec = Spec(Limits(perDisk: 2), [("diskA", ["a", "b"])]);
        var world = new WorldView().Proving("a", "b").Running("a", T0).Running("b", T0);
        var memory = PlannerMemory.Empty;
        void Look(double seconds, ulong a, ulong b)
        {
            world.Statuses["a"] = Proving(a);
            world.Statuses["b"] = Proving(b);
            memory = Planner.Decide(spec, world.Snapshot(T0.AddSeconds(seconds)), memory, T0.AddSeconds(seconds)).Next;
        }

        Look(60, 1_000, 0);
        Assert.Equal(ProvingEstimates.AssumedTwoReaderPenalty, ProvingEstimates.Combine(spec, memory.Services, null).TwoReaderPenaltyOf("diskA"));
        Look(80, 21_000, 0); // alone: 1,000 B/s
        Look(90, 25_000, 500); // b began reading in between: not a clean stretch
        Look(110, 31_000, 6_500); // both: 300 B/s each

        var estimates = ProvingEstimates.Combine(spec, memory.Services, null);
        Assert.Equal(2.0 / 3, estimates.TwoReaderPenaltyOf("diskA"), 6);
        Assert.Equal(new ReadSharing(20_000, 20, 12_000, 40), new ReadSharing(
            memory.For("a").Sharing.SoloBytes + memory.For("b").Sharing.SoloBytes,
            memory.For("a").Sharing.SoloSeconds + memory.For("b").Sharing.SoloSeconds,
            memory.For("a").Sharing.SharedBytes + memory.For("b").Sharing.SharedBytes,
            memory.For("a").Sharing.SharedSeconds + memory.For("b").Sharing.SharedSeconds));
    }

    /// <summary>One service's snapshots, fed to the planner in order; its memory carries over.</summary>
    private sealed class Sequence
    {
        private readonly WorldView _world = new();
        private PlannerMemory _memory = PlannerMemory.Empty;

        public Sequence() => _world.Proving("a").Running("a", T0);

        public ServiceMemory Memory => _memory.For("a");

        /// <summary>A look while the run starts up: /status does not answer.</summary>
        public ServiceMemory Starting(double seconds)
        {
            _world.Statuses.Remove("a");
            return Pass(seconds);
        }

        /// <summary>The run exits and a new one starts at once (looked at while it starts up).</summary>
        public ServiceMemory Restart(double seconds)
        {
            _world.Running("a", T0.AddSeconds(seconds));
            return Starting(seconds);
        }

        public ServiceMemory See(double seconds, ServiceStatus status)
        {
            _world.Statuses["a"] = status;
            return Pass(seconds);
        }

        public ServiceMemory Deliver(double seconds)
        {
            _world.Statuses["a"] = new ServiceStatus.DoneProving();
            _world.Idle("a");
            _world.Events.Add(new NodeEvent.PostCompleted(T0.AddSeconds(seconds), IdOf("a"), "00"));
            return Pass(seconds);
        }

        private ServiceMemory Pass(double seconds)
        {
            var now = T0.AddSeconds(seconds);
            _memory = Planner.Decide(OneDisk, _world.Snapshot(now), _memory, now).Next;
            return Memory;
        }
    }
}
