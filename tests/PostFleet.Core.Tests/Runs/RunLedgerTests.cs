using System.Collections.Immutable;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Runs;

namespace PostFleet.Core.Tests.Runs;

/// <summary>
/// The run model folded pass by pass beside the planner's own learning (PassLearning, unchanged): the phases it
/// draws are the passes the planner timed, with the planner's k2pow time and read rate, never a measure of its own.
/// </summary>
public sealed class RunLedgerTests
{
    private const string Service = "s1";
    private const string Run = "pid:7";
    private const ulong Data = 1000;
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly NodeId Id = NodeId.FromBytes(new byte[32]);

    [Fact]
    public void A_run_that_reenters_k2pow_has_k2pow_read_k2pow_read_with_the_planners_times_and_rates()
    {
        var world = new World();
        world.Pass(1, K2Pow(0));
        world.Pass(2, K2Pow(0));
        world.Pass(5, Read(0, 100));
        world.Pass(10, Read(0, 600));
        world.Pass(14, K2Pow(16)); // the first pass found nothing: a re-entry
        var learnedFirstRead = world.Memory.LastReadRate;
        world.Pass(20, Read(16, 50));
        var learnedReentry = world.Memory.LastK2Pow;
        world.Pass(24, Read(16, 450));
        world.Pass(25, new ServiceStatus.DoneProving(), new NodeEvent.PostCompleted(T0.AddSeconds(25), Id, "ab"));
        world.Exit(30, exitCode: 0);

        var run = Assert.Single(world.Ledger.Changed);
        Assert.Equal(RunOutcome.Delivered, run.Outcome);
        Assert.Equal(T0.AddSeconds(25), run.DeliveredAt);
        Assert.Equal(T0.AddSeconds(30), run.EndedAt);
        Assert.Equal([RunPhaseKind.K2Pow, RunPhaseKind.Read, RunPhaseKind.K2Pow, RunPhaseKind.Read], run.Phases.Select(p => p.Kind));
        Assert.Equal([0UL, 0UL, 16UL, 16UL], run.Phases.Select(p => p.NonceStart));

        // The first k2pow from the run's start to the first read: what the planner keeps as this run's k2pow.
        Assert.Equal((T0, T0.AddSeconds(5)), (run.Phases[0].Start, run.Phases[0].End!.Value));

        // The first read ran to the end of the data (the pass found nothing), timed until the re-entry was seen.
        Assert.Equal((T0.AddSeconds(5), T0.AddSeconds(14), Data - 100), (run.Phases[1].Start, run.Phases[1].End!.Value, run.Phases[1].Bytes));
        Assert.Equal(learnedFirstRead!.Value, run.Phases[1].Rate!.Value, 9);
        Assert.Equal(100.0, run.Phases[1].Rate!.Value, 9);

        // The re-entry's k2pow, timed from when the planner saw it begin; its length is the planner's LastK2Pow.
        Assert.Equal(learnedReentry!.Value.TotalSeconds, run.Phases[2].Seconds(T0), 9);
        Assert.Equal((T0.AddSeconds(14), T0.AddSeconds(20)), (run.Phases[2].Start, run.Phases[2].End!.Value));

        // The delivering pass stopped early: its read is what was seen of it, at the rate the planner learned.
        Assert.Equal((T0.AddSeconds(24), 400UL), (run.Phases[3].End!.Value, run.Phases[3].Bytes));
        Assert.Equal(world.Memory.LastReadRate!.Value, run.Phases[3].Rate!.Value, 9);

        Assert.Equal(25.0, world.Ledger.For(Service).LastProofSeconds);
        Assert.Equal(T0.AddSeconds(25), world.Ledger.For(Service).LastDeliveredAt);
        Assert.Empty(world.Ledger.Live);
    }

    [Fact]
    public void A_live_read_grows_and_is_reported_changed_only_when_it_moves()
    {
        var world = new World();
        world.Pass(0, K2Pow(0));
        Assert.Single(world.Ledger.Changed);
        world.Pass(1, K2Pow(0));
        Assert.Empty(world.Ledger.Changed);
        world.Pass(4, Read(0, 100));
        world.Pass(6, Read(0, 300));
        var live = Assert.Single(world.Ledger.Changed);
        var read = live.OpenPhase!;
        Assert.Equal((RunPhaseKind.Read, 200UL, 100.0), (read.Kind, read.Bytes, read.Rate!.Value));
        Assert.Null(read.End);
        Assert.Equal(4.0, read.Seconds(T0.AddSeconds(8)), 9);
        Assert.Same(live, world.Ledger.LiveRun(Service));
    }

    [Theory]
    [InlineData(false, RunOutcome.Crashed)]
    [InlineData(true, RunOutcome.Stopped)]
    public void A_run_that_exits_without_a_proof_is_stopped_when_asked_else_crashed(bool stopAsked, RunOutcome outcome)
    {
        var world = new World();
        world.Pass(0, K2Pow(0));
        world.Pass(3, Read(0, 100), stop: stopAsked);
        world.Exit(5, exitCode: stopAsked ? 0 : 101);
        var run = Assert.Single(world.Ledger.Changed);
        Assert.Equal(outcome, run.Outcome);
        Assert.Equal(T0.AddSeconds(3), run.Phases[^1].End); // the read ended where it was last seen

        // The runtime may list the exited run for a while: it is written once.
        world.Exit(6, exitCode: 101);
        Assert.Empty(world.Ledger.Changed);
        Assert.Empty(world.Ledger.Live);
    }

    [Fact]
    public void A_failed_proof_holds_until_the_node_starts_or_completes_one()
    {
        var world = new World();
        world.Pass(0, K2Pow(0), new NodeEvent.PostFailed(T0, Id, "k2pow"));
        Assert.True(world.Ledger.For(Service).Failed);
        world.Pass(1, K2Pow(0));
        Assert.True(world.Ledger.For(Service).Failed);
        world.Pass(2, K2Pow(0), new NodeEvent.PostStarted(T0.AddSeconds(2), Id, "ab"));
        Assert.False(world.Ledger.For(Service).Failed);
    }

    private static ServiceStatus.Proving K2Pow(ulong nonceStart) => new(nonceStart, nonceStart + 16, 0);

    private static ServiceStatus.Proving Read(ulong nonceStart, ulong position) => new(nonceStart, nonceStart + 16, position);

    /// <summary>One live run seen pass by pass; the memory is folded by the planner's own PassLearning.</summary>
    private sealed class World
    {
        private ServiceMemory _memory = ServiceMemory.Initial with { RunId = Run };

        public RunLedger Ledger { get; private set; } = RunLedger.Empty;

        public ServiceMemory Memory => _memory;

        public void Pass(int second, ServiceStatus status, NodeEvent? e = null, bool stop = false)
        {
            var now = T0.AddSeconds(second);
            var before = _memory;
            var after = PassLearning.FoldStatus(status, before, Data, now);
            if (status is ServiceStatus.Proving { InK2Pow: false, NonceStart: 0 } && after.ReadStartedAt is null)
            {
                after = after with { ReadStartedAt = now, LastK2Pow = now - T0 }; // the planner's first-k2pow rule (Observations)
            }

            if (e is NodeEvent.PostCompleted)
            {
                after = PassLearning.FoldDelivery(before, after with { Delivered = true });
            }

            Fold(now, [new RuntimeInstance(Service, Run, T0, true, null, null)], status, e, before, after, stop);
            _memory = after;
        }

        public void Exit(int second, int exitCode) =>
            Fold(T0.AddSeconds(second), [new RuntimeInstance(Service, Run, T0, false, exitCode, null)], null, null, _memory, _memory with { RunId = null }, stop: false);

        private void Fold(DateTimeOffset now, IReadOnlyList<RuntimeInstance> runs, ServiceStatus? status, NodeEvent? e, ServiceMemory before, ServiceMemory after, bool stop)
        {
            var statuses = status is null ? new Dictionary<string, ServiceStatus>() : new Dictionary<string, ServiceStatus> { [Service] = status };
            IReadOnlyList<(string, NodeEvent)> events = e is null ? [] : [(Service, e)];
            Ledger = Ledger.Fold(new RunPass(now, runs, statuses, events, stop ? new HashSet<string> { Run } : [], Of(before), Of(after), new Dictionary<string, ulong> { [Service] = Data }, null));
        }

        private static PlannerMemory Of(ServiceMemory m) => new(ImmutableDictionary<string, ServiceMemory>.Empty.Add(Service, m));
    }
}
