using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using PostFleet.Daemon;
using PostFleet.Daemon.Loop;
using PostFleet.InProcess.Tests.Fakes;
using PostFleet.Storage;

namespace PostFleet.InProcess.Tests;

/// <summary>What one in-process fleet is made of; the defaults prove one service in about 8 s of network time.</summary>
public sealed record InProcessFleetOptions
{
    /// <summary>Services as (name, disk); each has 2 units of 1024 labels (32 KiB).</summary>
    public IReadOnlyList<(string Name, string Disk)> Services { get; init; } = [("a1", "diskA"), ("a2", "diskA"), ("b1", "diskB")];

    /// <summary>Extra lines of the schedule section (indented by two spaces), after the defaults they replace.</summary>
    public IReadOnlyList<string> Schedule { get; init; } = [];

    public TimeSpan K2Pow { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>post.nonces: 16 makes a pass fail with 67% odds in the planner's arithmetic, 288 with 0.08%.</summary>
    public int Nonces { get; init; } = 16;

    /// <summary>A disk's read bandwidth, shared by its readers: 32 KiB in 4 s.</summary>
    public ulong ReadBytesPerSecond { get; init; } = 8 * 1024;

    public IReadOnlyDictionary<string, ServiceFault> Faults { get; init; } = new Dictionary<string, ServiceFault>();

    /// <summary>A history file a previous daemon left (copied before the daemon opens it).</summary>
    public string? HistoryFrom { get; init; }

    /// <summary>What the history knows before the daemon starts (e.g. a previous daemon's learned estimates).</summary>
    public Action<FleetHistory>? SeedHistory { get; init; }
}

/// <summary>
/// The real daemon (<see cref="FleetDaemon"/> built through <see cref="DaemonAdapters"/>, so the same loop,
/// observer, executor, event pump, run journal and view as `postfleet run`) over a fake node, fake post-services and
/// a fake runtime, a real SQLite history in a temp folder, and a <see cref="FakeTimeProvider"/>. Time moves in
/// one-second steps: the clock first (the loop's requeue timers fire), then the world (services progress, the node
/// asks and fetches); after each, the harness waits until the daemon has settled (the loop waits with nothing
/// pending, every event was taken, every stop reached the runtime), so every run is the same run.
/// </summary>
public sealed class InProcessFleet : IAsyncDisposable
{
    // The simulated node's preset network: 6 s layers, 10 per epoch; PoET phase shift = cycle gap = 30 s, grace 12 s.
    // The gap of publish epoch P opens at epoch P's start and closes 30 s later; its proofs are due by epoch P+1.
    public static readonly DateTimeOffset Genesis = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly NetworkClock Clock = new(Genesis, TimeSpan.FromSeconds(6), 10);
    public static readonly PoetTimings Poet = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(12));
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    private readonly string _root = Directory.CreateTempSubdirectory("pf-fast-").FullName;
    private CancellationTokenSource _stop = new();
    private readonly PassRecorder _passes = new();
    private readonly Lock _world = new();
    private readonly ILoggerFactory _loggers;
    private Task? _running;

    private InProcessFleet(InProcessFleetOptions options)
    {
        Options = options;
        Spec = Parse(options, _root);
        Time = new FakeTimeProvider(Genesis + TimeSpan.FromSeconds(55));
        Node = new FakeNode(Clock, Poet, options.Services.Select(s => s.Name), _world);
        Runtime = new FakeRuntime(Time, DataOf, name => options.Faults.GetValueOrDefault(name), options.Nonces, _world);
        if (options.HistoryFrom is { } previous)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Spec.HistoryPath)!);
            File.Copy(previous, Spec.HistoryPath);
        }

        var history = FleetHistory.Open(Spec.HistoryPath);
        options.SeedHistory?.Invoke(history);
        _loggers = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Daemon = new FleetDaemon(Spec, new DaemonAdapters(Node, Runtime, Runtime, history, Time), [_passes], _loggers);
    }

    public InProcessFleetOptions Options { get; }

    public FleetSpec Spec { get; }

    public FakeTimeProvider Time { get; }

    public FakeNode Node { get; }

    public FakeRuntime Runtime { get; }

    public FleetDaemon Daemon { get; private set; }

    /// <summary>What the daemon logged, with the scopes of each line.</summary>
    public CapturedLogs Logs { get; } = new();

    public FleetHistory History => Daemon.History;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Every pass the daemon reported, in order.</summary>
    public IReadOnlyList<PassReport> Passes => _passes.All;

    /// <summary>What was true after every step: readers per disk, services in k2pow, live runs.</summary>
    public List<WorldSample> Samples { get; } = [];

    public static async Task<InProcessFleet> StartAsync(InProcessFleetOptions? options = null)
    {
        var fleet = new InProcessFleet(options ?? new InProcessFleetOptions());
        fleet._running = Task.Run(() => fleet.Daemon.RunAsync(fleet._stop.Token));
        await fleet.SettleAsync();
        return fleet;
    }

    /// <summary>
    /// The daemon killed and started again (as SIGKILL and a service manager would): the same node, runs and history
    /// file, a new daemon with no memory and a new event subscription (so the node's replay again).
    /// </summary>
    public async Task RestartDaemonAsync()
    {
        await _stop.CancelAsync();
        await _running!;
        await Daemon.DisposeAsync();
        _stop.Dispose();
        _stop = new CancellationTokenSource();
        Daemon = new FleetDaemon(Spec, new DaemonAdapters(Node, Runtime, Runtime, FleetHistory.Open(Spec.HistoryPath), Time), [_passes], _loggers);
        _running = Task.Run(() => Daemon.RunAsync(_stop.Token));
        await SettleAsync();
    }

    /// <summary>Steps until <paramref name="done"/> holds, failing after <paramref name="within"/> of network time.</summary>
    public async Task RunUntilAsync(Func<bool> done, string what, TimeSpan within)
    {
        var limit = Now + within;
        while (!done())
        {
            if (Now >= limit)
            {
                Assert.Fail($"not within {within} of network time: {what}\n{Describe()}");
            }

            await StepAsync();
        }
    }

    /// <summary>Lets <paramref name="duration"/> of network time pass.</summary>
    public async Task RunForAsync(TimeSpan duration)
    {
        var until = Now + duration;
        while (Now < until)
        {
            await StepAsync();
        }
    }

    public Task RunUntilDeliveredAsync(uint publishEpoch, TimeSpan? within = null) =>
        RunUntilAsync(
            () => Options.Services.All(s => Node.Delivered(s.Name).Contains(publishEpoch)),
            $"every service delivered publish epoch {publishEpoch}",
            within ?? Clock.EpochDuration * 2);

    public async Task StepAsync()
    {
        Time.Advance(Step);
        await SettleAsync();
        var now = Now;
        lock (_world)
        {
            foreach (var disk in Runtime.Live().GroupBy(r => r.Disk))
            {
                var readers = disk.Count(r => r.Reading);
                foreach (var run in disk)
                {
                    run.Advance(now, Options.K2Pow, readers == 0 ? 0 : Options.ReadBytesPerSecond / (ulong)readers);
                }
            }

            Node.Advance(now, Runtime.Live(), Options.K2Pow);
        }

        await SettleAsync();
        var live = Runtime.Live();
        Samples.Add(new WorldSample(
            now,
            live.Where(r => r.Reading).GroupBy(r => r.Disk).ToDictionary(g => g.Key, g => g.Count()),
            live.Count(r => r.InK2Pow),
            live.Count));
    }

    public IReadOnlyList<HistoryRow> Decisions(string service) => [.. History.Decisions(service, 10_000).Reverse()];

    public IReadOnlyList<HistoryRow> Actions(string service) => [.. History.Actions(service, 10_000).Reverse()];

    public IReadOnlyList<FakePostService> RunsOf(string service) => [.. Runtime.AllRuns.Where(r => r.Identity == service)];

    public string Describe()
    {
        var text = new StringBuilder($"at {Now:HH:mm:ss} (epoch {Clock.EpochAt(Now)}); node {(Node.Up ? "up" : "down")}\n");
        foreach (var (name, _) in Options.Services)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {Node.StateOf(name)}, delivered [{string.Join(",", Node.Delivered(name))}], runs {RunsOf(name).Count}; last decision: {Decisions(name).LastOrDefault()?.Detail}\n");
        }

        return text.ToString();
    }

    /// <summary>Waits (real time, on conditions) until the daemon has done everything the last change asks of it.</summary>
    public async Task SettleAsync()
    {
        var clock = Stopwatch.StartNew();
        while (!Settled())
        {
            if (_running is { IsCompleted: true })
            {
                await _running; // the daemon ended: show why
                Assert.Fail("the daemon's loop ended by itself");
            }

            if (clock.Elapsed > SettleTimeout)
            {
                Assert.Fail($"the daemon did not settle within {SettleTimeout.TotalSeconds} s ({Unsettled()})\n{Describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System);
        }
    }

    // The node reads first: a read ahead that wakes the loop has set the trigger before it counts as settled.
    private bool Settled() =>
        Daemon.NodeReadsSettled
        && Daemon.Trigger is { Pending: false, WaitingUntil: { } until } && until > Now
        && Node.StreamsSettled()
        && Runtime.Stops == _passes.StopsAsked;

    // What still keeps Settled() false, for a failure to name it.
    private string Unsettled() => string.Join("; ", new[]
    {
        Daemon.NodeReadsSettled ? null : "node reads in flight",
        Daemon.Trigger is { Pending: true } ? "loop woken, pass pending" : null,
        Daemon.Trigger is { WaitingUntil: { } until } && until <= Now ? $"loop waits until {until:HH:mm:ss.fff}, not after now {Now:HH:mm:ss.fff}" : null,
        Daemon.Trigger is { WaitingUntil: null } ? "loop not waiting" : null,
        Node.StreamsSettled() ? null : "node event streams not settled",
        Runtime.Stops == _passes.StopsAsked ? null : $"{Runtime.Stops} stops done of {_passes.StopsAsked} asked",
    }.Where(s => s is not null));

    private (string Identity, string Disk, ulong DataBytes) DataOf(string dataDir)
    {
        var service = Spec.Services.Single(s => s.DataDir == dataDir);
        return (service.Name, service.Disk, service.NumUnits * Spec.Post.LabelsPerUnit * 16);
    }

    private static FleetSpec Parse(InProcessFleetOptions options, string root)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("node:");
        yaml.AppendLine("  post-listener: http://127.0.0.1:9094");
        yaml.AppendLine("  public-listener: http://127.0.0.1:9092");
        yaml.AppendLine("  private-listener: http://127.0.0.1:9093");
        yaml.AppendLine("  data-dir: node_data");
        yaml.AppendLine($"  poet: {{ phase-shift: {Poet.PhaseShift.TotalSeconds}s, cycle-gap: {Poet.CycleGap.TotalSeconds}s, grace-period: {Poet.GracePeriod.TotalSeconds}s }}");
        yaml.AppendLine($"post: {{ labels-per-unit: 1024, nonces: {options.Nonces}, min-num-units: 1 }}");
        yaml.AppendLine("state-dir: state");
        yaml.AppendLine("schedule:");
        var schedule = new Dictionary<string, string>
        {
            ["per-disk"] = "1",

            // The epoch tests judge one reader per disk from start to delivery: exclusive mode's promise, named
            // because the default is pipelined (K2PowTests runs that mode).
            ["mode"] = "exclusive",
            ["max-pow"] = "2",
            ["stop-grace"] = "2s",
            ["idle-stop-grace"] = "1s",
            ["startup-grace"] = "2s",
            ["resync"] = "1s",
            ["no-progress-timeout"] = "20s",
            ["restart-backoff"] = "{ initial: 1s, max: 4s }",
        };
        foreach (var line in options.Schedule)
        {
            schedule[line.Split(':')[0].Trim()] = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }

        foreach (var (key, value) in schedule)
        {
            yaml.AppendLine($"  {key}: {value}");
        }

        yaml.AppendLine("disks:");
        var port = 19000;
        foreach (var disk in options.Services.GroupBy(s => s.Disk))
        {
            yaml.AppendLine($"  - name: {disk.Key}");
            yaml.AppendLine("    services:");
            foreach (var (name, _) in disk)
            {
                yaml.AppendLine($"      - {{ name: {name}, dir: disks/{disk.Key}/{name}, num-units: 2, operator: 127.0.0.1:{port++} }}");
            }
        }

        var result = FleetConfigLoader.Parse(yaml.ToString(), root, "in-process fleet");
        Assert.True(result.IsValid, string.Join("; ", result.Errors) + "\n" + yaml);
        return result.Spec!;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            // RunAsync ends at once: the trigger's wait and the pump's stream both take the token.
            await _running;
        }

        await Daemon.DisposeAsync();
        _loggers.Dispose();
        _stop.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private sealed class PassRecorder : IPassListener
    {
        private readonly Lock _gate = new();
        private readonly List<PassReport> _all = [];

        public int StopsAsked { get; private set; }

        public IReadOnlyList<PassReport> All
        {
            get
            {
                lock (_gate)
                {
                    return [.. _all];
                }
            }
        }

        public void OnPass(PassReport pass)
        {
            lock (_gate)
            {
                _all.Add(pass);
                StopsAsked += pass.Outcomes.Count(o => o.Action is PlannedAction.StopService && o.Detail == "stopping");
            }
        }
    }
}

/// <summary>The truth after one step, from the fakes (not what the planner believes).</summary>
public sealed record WorldSample(DateTimeOffset At, IReadOnlyDictionary<string, int> ReadersPerDisk, int InK2Pow, int Running);
