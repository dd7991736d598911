using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Timeline;
using PostFleet.Daemon;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.Loop;
using PostFleet.Daemon.Web.Api;
using PostFleet.Storage;

namespace PostFleet.Bench.Daemon;

/// <summary>Between gaps every identity is IDLE and nothing runs; in the open gap every identity is PROVING and about 100 run.</summary>
public enum DaemonScenario
{
    BetweenGaps,
    OpenGap,
}

/// <summary>What `bench daemon` measured for one fleet size and scenario (times in ms, per pass unless named).</summary>
public sealed record DaemonBenchmarkResult(
    int Identities,
    int Disks,
    int Hosts,
    DaemonScenario Scenario,
    int Passes,
    int LiveRuns,
    double CpuMs,
    double WallP50Ms,
    double WallP99Ms,
    double WallMaxMs,
    long AllocatedBytes,
    IReadOnlyList<(string Stage, double MeanMs)> Stages,
    double StatusReads,
    double PostStatesCalls,
    long ChangesBytes,
    long WholeViewBytes,
    long WorkingSetBytes)
{
    /// <summary>The managed heap after the timed passes' last collection, and of it the large-object heap.</summary>
    public long HeapBytes { get; init; }

    public long LargeObjectHeapBytes { get; init; }

    /// <summary>Full collections during the timed passes, and the process's peak working set.</summary>
    public int Gen2Collections { get; init; }

    public long PeakWorkingSetBytes { get; init; }

    /// <summary>Dashboards subscribed to the event stream's changes, each read after every pass.</summary>
    public int Dashboards { get; init; }

    /// <summary>Collections of generation 0 and 1 during the timed passes (a gen-1 one counts in both).</summary>
    public (int Gen0, int Gen1) Collections { get; init; }

    /// <summary>The runtime's pauses for collections during the timed passes, per pass.</summary>
    public double GcPauseMsPerPass { get; init; }

    /// <summary>The schedule's mode (`postfleet demo --identities N` generates exclusive; the config's default is pipelined).</summary>
    public ScheduleMode Mode { get; init; } = ScheduleMode.Pipelined;

    /// <summary>The slowest timed passes (at most three), each with its wall time and its stages.</summary>
    public IReadOnlyList<(double WallMs, IReadOnlyList<(string Stage, double Ms)> Stages)> Slowest { get; init; } = [];
}

/// <summary>
/// The real daemon (<see cref="FleetDaemon"/>: reconcile loop, observer, planner, executor, history on a real SQLite
/// file, run journal, view, alerts and the event stream's hub) over an in-memory node and runtime on a
/// <see cref="FakeTimeProvider"/>. Each pass is triggered by hand after one second of fake time, and measured by the
/// loop's own stage timings (<see cref="PassStages"/>), the process's CPU time and the allocated bytes.
/// </summary>
public static class DaemonBenchmark
{
    private static readonly NetworkClock Clock = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromMinutes(1), 100);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);
    private const int WarmUpPasses = 150;

    /// <summary>As in the goal (`daemon_at_size.py`'s twenty dashboards): each a changes subscription read every pass.</summary>
    public const int Dashboards = 20;

    /// <summary>Disks of five identities, on up to four hosts: 1,000 identities are 200 disks on 4 hosts.</summary>
    public static (int Disks, int Hosts) Layout(int identities)
    {
        var disks = Math.Max(1, identities / 5);
        return (disks, Math.Min(4, disks));
    }

    public static Task<DaemonBenchmarkResult> RunAsync(int identities, DaemonScenario scenario, int passes, CancellationToken cancellationToken) =>
        RunAsync(identities, scenario, passes, ScheduleMode.Pipelined, cancellationToken);

    /// <param name="mode">The schedule's mode: its start order and per-disk rule are the planner's largest difference in cost.</param>
    public static async Task<DaemonBenchmarkResult> RunAsync(int identities, DaemonScenario scenario, int passes, ScheduleMode mode, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("pf-bench-daemon-").FullName;
        try
        {
            return await MeasureAsync(root, identities, scenario, passes, mode, cancellationToken);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<DaemonBenchmarkResult> MeasureAsync(string root, int identities, DaemonScenario scenario, int passes, ScheduleMode mode, CancellationToken cancellationToken)
    {
        var (disks, hosts) = Layout(identities);
        var spec = Fleet(root, identities, disks, hosts, mode);

        // Publish epoch 2's gap opens at epoch 2's start and closes an hour later; its proofs are due by epoch 3.
        var epoch = Clock.EpochStart(2);
        var time = new FakeTimeProvider(scenario == DaemonScenario.OpenGap ? epoch + TimeSpan.FromMinutes(1) : epoch + TimeSpan.FromMinutes(70));
        var node = new BenchNode(Clock, spec.Services.Select(s => s.Name), scenario == DaemonScenario.OpenGap ? NodePostState.Proving : NodePostState.Idle, time);
        var runtime = new BenchRuntime(time);
        var passCount = new PassCounter();
        await using var daemon = new FleetDaemon(spec, new DaemonAdapters(node, runtime, runtime, FleetHistory.Open(spec.HistoryPath), time), [passCount], NullLoggerFactory.Instance);

        // The web side without Kestrel: alerts and the event stream's hub, each timed on the view's Updated event.
        var sse = new EventTimer();
        daemon.Control.Updated += _ => sse.Start();
        await using var alerts = new AlertMonitor(daemon.Control, new AlertEvaluator(AlertRules.From(spec.Alerts)), null, time, NullLogger.Instance);
        daemon.Control.Updated += _ => sse.Lap("alerts");
        // Unpaced: the steps are a second apart, so a daemon's stream sends every one; paced, the pass a requeue adds
        // within a step would be sent by the hub's timer at the next step, outside the stage timed here.
        using var hub = new FleetEventHub(daemon.Control, alerts, time, TimeSpan.Zero);
        daemon.Control.Updated += _ => sse.Lap("event stream");
        // Dashboards (changes after one whole view); the whole view's size is measured once, at the end. The first
        // one's bytes are counted; all share the hub's messages, so what they hold is their queues.
        var dashboards = Enumerable.Range(0, Dashboards).Select(_ => hub.Subscribe(changes: true)).ToList();
        var changes = dashboards[0];

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.Run(() => daemon.RunAsync(stop.Token), CancellationToken.None);
        try
        {
            await SettleAsync(daemon, passCount, 0, running, cancellationToken);

            // Warm up: the JIT's tiers (a method called once a pass is optimised only after some 60 calls, and until
            // then a pass costs several times a running daemon's), and in the gap the planner's starts until the live
            // set stops growing.
            var live = -1;
            for (var i = 0; i < 300 && (i < WarmUpPasses || runtime.Live != live); i++)
            {
                live = runtime.Live;
                await PassAsync(daemon, time, passCount, running, cancellationToken);
                dashboards.ForEach(d => Drain(d)); // dashboards that read: a full queue would end a stream
            }

            dashboards.ForEach(d => Drain(d));
            sse.Reset();
            var walls = new List<double>(passes);
            var stages = new Dictionary<string, double>(StringComparer.Ordinal);
            var (statusBefore, statesBefore, passesBefore) = (runtime.StatusReads, node.PostStatesAsked, daemon.Loop.Passes);
            var changesBytes = 0L;
            var slowest = new List<(double WallMs, IReadOnlyList<(string Stage, double Ms)> Stages)>();
            GC.Collect();
            var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < passes; i++)
            {
                await PassAsync(daemon, time, passCount, running, cancellationToken);
                var last = daemon.Loop.LastStages!;
                walls.Add(last.Total.TotalMilliseconds);
                Add(stages, last);
                KeepSlowest(slowest, last);
                changesBytes += Drain(changes);
                dashboards.Skip(1).ToList().ForEach(d => Drain(d));
            }

            var (gen0After, gen1After, gen2After, pausedAfter) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var memory = GC.GetGCMemoryInfo(GCKind.Any);
            using var self = Process.GetCurrentProcess();

            var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
            var cpuAfter = Process.GetCurrentProcess().TotalProcessorTime;
            var ran = (int)(daemon.Loop.Passes - passesBefore);
            // The loop's stages are the last pass's of each step (a requeue timer may add a pass): per step; the
            // Updated handlers see every pass: per pass. The view's own time is its listener's less what it raises.
            var means = stages.ToDictionary(s => s.Key, s => s.Value / passes, StringComparer.Ordinal);
            foreach (var (stage, ms) in sse.Totals)
            {
                means[stage] = ms / ran;
            }

            means["view"] = means.GetValueOrDefault("FleetControl") - sse.Totals.Sum(t => t.Value / ran);
            means.Remove("FleetControl");
            walls.Sort();
            return new DaemonBenchmarkResult(
                identities, disks, hosts, scenario, ran, runtime.Live,
                (cpuAfter - cpu).TotalMilliseconds / ran,
                Percentile(walls, 0.50), Percentile(walls, 0.99), walls[^1],
                (allocatedAfter - allocated) / ran,
                [.. means.Select(s => (s.Key, s.Value))],
                (double)(runtime.StatusReads - statusBefore) / ran,
                (double)(node.PostStatesAsked - statesBefore) / ran,
                changesBytes / ran,
                Encoding.UTF8.GetByteCount(FleetEventHub.FleetMessage(daemon.Control.Current!)),
                Environment.WorkingSet)
            {
                HeapBytes = memory.HeapSizeBytes,
                LargeObjectHeapBytes = memory.GenerationInfo[3].SizeAfterBytes,
                Gen2Collections = gen2After - gen2,
                PeakWorkingSetBytes = self.PeakWorkingSet64,
                Dashboards = Dashboards,
                Mode = spec.Schedule.Mode, // as the config loader read it from the generated fleet
                Collections = (gen0After - gen0, gen1After - gen1),
                GcPauseMsPerPass = (pausedAfter - paused).TotalMilliseconds / ran,
                Slowest = slowest,
            };
        }
        finally
        {
            await stop.CancelAsync();
            await running;
            dashboards.ForEach(d => d.Dispose());
        }
    }

    private static void Add(Dictionary<string, double> stages, PassStages last)
    {
        foreach (var (stage, ms) in StagesOf(last))
        {
            stages[stage] = stages.GetValueOrDefault(stage) + ms;
        }
    }

    /// <summary>Keeps the three slowest passes so far, slowest first: a p99 is a few passes, and this says where they went.</summary>
    private static void KeepSlowest(List<(double WallMs, IReadOnlyList<(string Stage, double Ms)> Stages)> slowest, PassStages last)
    {
        const int kept = 3;
        var wall = last.Total.TotalMilliseconds;
        if (slowest.Count == kept && slowest[^1].WallMs >= wall)
        {
            return;
        }

        slowest.Add((wall, [.. StagesOf(last)]));
        slowest.Sort((a, b) => b.WallMs.CompareTo(a.WallMs));
        if (slowest.Count > kept)
        {
            slowest.RemoveAt(kept);
        }
    }

    private static IEnumerable<(string Stage, double Ms)> StagesOf(PassStages last)
    {
        yield return ("observe", last.Observe.TotalMilliseconds);
        yield return ("decide", last.Decide.TotalMilliseconds);
        yield return ("act", last.Act.TotalMilliseconds);
        yield return ("history write", last.HistoryWrite.TotalMilliseconds);
        yield return ("run ledger", last.RunLedger.TotalMilliseconds);
        foreach (var (listener, took) in last.Listeners)
        {
            yield return (listener, took.TotalMilliseconds);
        }
    }

    /// <summary>One second of fake time, a trigger, and the pass it causes, until the loop waits again.</summary>
    private static async Task PassAsync(FleetDaemon daemon, FakeTimeProvider time, PassCounter passes, Task running, CancellationToken cancellationToken)
    {
        var before = passes.Count;
        time.Advance(TimeSpan.FromSeconds(1));
        daemon.Trigger.Set();
        await SettleAsync(daemon, passes, before, running, cancellationToken);
    }

    private static async Task SettleAsync(FleetDaemon daemon, PassCounter passes, long after, Task running, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // The node reads first: a read ahead that wakes the loop has set the trigger before it counts as settled.
        while (passes.Count <= after || !daemon.NodeReadsSettled || daemon.Trigger is not { Pending: false, WaitingUntil: not null })
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (running.IsCompleted)
            {
                await running;
                throw new InvalidOperationException("the daemon's loop ended by itself");
            }

            if (clock.Elapsed > Settle)
            {
                throw new TimeoutException($"the daemon did not finish a pass within {Settle.TotalSeconds} s");
            }

            // A real sleep: a wait under a millisecond is no wait at all, and that spin took most of a core from the
            // daemon it measures (the process's CPU per pass was mostly this loop's).
            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System, cancellationToken);
        }
    }

    private static long Drain(FleetEventHub.Subscription subscription)
    {
        var bytes = 0L;
        while (subscription.Messages.TryRead(out var message))
        {
            bytes += message.Length;
        }

        return bytes;
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    private static FleetSpec Fleet(string root, int identities, int disks, int hosts, ScheduleMode mode)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("node:");
        yaml.AppendLine("  post-listener: http://127.0.0.1:9094");
        yaml.AppendLine("  public-listener: http://127.0.0.1:9092");
        yaml.AppendLine("  private-listener: http://127.0.0.1:9093");
        yaml.AppendLine("  data-dir: node_data");
        yaml.AppendLine("  poet: { phase-shift: 1h, cycle-gap: 1h, grace-period: 10m }");
        yaml.AppendLine("post: { labels-per-unit: 1024, nonces: 16, min-num-units: 1 }");
        yaml.AppendLine("state-dir: state");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"schedule: {{ mode: {(mode == ScheduleMode.Exclusive ? "exclusive" : "pipelined")}, per-disk: 1, max-pow: 100, max-running: 100 }}");
        yaml.AppendLine("disks:");
        var port = 20000;
        for (var d = 0; d < disks; d++)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - name: d{d}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    host: h{d % hosts}");
            yaml.AppendLine("    services:");
            for (var i = d; i < identities; i += disks)
            {
                // 64 units of 16 KiB: 1 MiB read at 1 KiB/s, so no run ends while the bench measures.
                yaml.AppendLine(CultureInfo.InvariantCulture, $"      - {{ name: id{i:D4}, dir: disks/d{d}/id{i:D4}, num-units: 64, operator: 127.0.0.1:{port++} }}");
            }
        }

        var result = FleetConfigLoader.Parse(yaml.ToString(), root, "bench daemon");
        return result.IsValid ? result.Spec! : throw new InvalidOperationException("bench daemon: the generated fleet is invalid: " + string.Join("; ", result.Errors));
    }

    private sealed class PassCounter : IPassListener
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void OnPass(PassReport pass) => Interlocked.Increment(ref _count);
    }

    /// <summary>Laps of the handlers of one event, summed by name over the passes.</summary>
    private sealed class EventTimer
    {
        private readonly Stopwatch _clock = new();
        private TimeSpan _last;

        public Dictionary<string, double> Totals { get; } = new(StringComparer.Ordinal);

        public void Start()
        {
            _clock.Restart();
            _last = TimeSpan.Zero;
        }

        public void Lap(string name)
        {
            var now = _clock.Elapsed;
            Totals[name] = Totals.GetValueOrDefault(name) + (now - _last).TotalMilliseconds;
            _last = now;
        }

        public void Reset() => Totals.Clear();
    }
}
