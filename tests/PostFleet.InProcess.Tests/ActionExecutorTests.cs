using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Ports;
using PostFleet.Daemon.Loop;
using PostFleet.Testing;

namespace PostFleet.InProcess.Tests;

/// <summary>
/// The executor's order and overlap: forgets before starts (a forget of a service's ended run must not race its
/// new start), the starts in the background side by side up to the limit, each a live stand-in until it is done,
/// outcomes in the order asked; and the log reader reads a live
/// run's tail in the background at most every two seconds, an ended one's once, in its pass.
/// </summary>
public sealed class ActionExecutorTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 14, 0, 0, TimeSpan.Zero);

    private const string Refused = "tonic::transport::Error(Transport, ConnectError(ConnectError(\"tcp connect error\", Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" })))";

    [Fact]
    public async Task Starts_run_in_the_background_side_by_side_after_the_forgets_and_are_reported_once_done_in_the_order_asked()
    {
        var fleet = OneDiskFleet.Of([.. Enumerable.Range(0, 12).Select(i => $"s{i}")], 19200, "executor test");
        var runtime = new GatedRuntime();
        var finished = 0;
        var executor = new ActionExecutor(runtime, NullLogger.Instance, TimeProvider.System, startFinished: () => Interlocked.Increment(ref finished));
        var ended = new RuntimeInstance("s0", "old", Start, false, 0, null);
        PlannedAction[] starts = [.. Enumerable.Range(0, 12).Select(i => (PlannedAction)new PlannedAction.StartService($"s{i}"))];

        // The pass does not wait for its starts: only the forget is done when it returns.
        var first = await executor.ExecuteAsync(fleet, [.. starts, new PlannedAction.ForgetRun(ended)], [ended], CancellationToken.None);
        Assert.Equal([("s0", "forgotten")], first.Select(o => (o.Service, o.Detail)));
        Assert.Equal(["forget s0"], runtime.Calls.Take(1));

        // The first eight starts are in the runtime at once (each waits for the gate), the rest wait for a slot; every
        // one is a live stand-in meanwhile, and a plan that asks again starts none twice.
        await Eventually.UntilAsync(() => runtime.InFlight == ActionExecutor.StartConcurrency, "as many starts in flight as the executor allows");
        Assert.Equal(starts.Select(a => a.ServiceName).ToHashSet(), executor.StartsUnderWay().Select(r => r.ServiceName).ToHashSet());
        Assert.All(executor.StartsUnderWay(), r => Assert.True(r.Running && r.InstanceId == ActionExecutor.StartingPrefix + r.ServiceName, r.ToString()));
        var again = await executor.ExecuteAsync(fleet, starts, [], CancellationToken.None);
        Assert.All(again, o => Assert.Equal("start already under way", o.Detail));
        Assert.Equal(12, again.Count);

        runtime.Open();
        await Eventually.UntilAsync(() => executor.StartsUnderWay().Count == 0, "every start done");
        await Eventually.UntilAsync(() => Volatile.Read(ref finished) == 12, "every finished start woke the loop");
        var outcomes = await executor.ExecuteAsync(fleet, [], [], CancellationToken.None);

        Assert.Equal(starts.Select(a => a.ServiceName), outcomes.Select(o => o.Service));
        Assert.All(outcomes, o => Assert.StartsWith("started (", o.Detail, StringComparison.Ordinal));
        Assert.All(outcomes, o => Assert.Equal(o.Service + "-1", o.Started?.InstanceId));
        Assert.Empty(await executor.ExecuteAsync(fleet, [], [], CancellationToken.None));
        Assert.Equal(ActionExecutor.StartConcurrency, runtime.MostInFlight);
        Assert.Equal(13, runtime.Calls.Count);
    }

    [Fact]
    public async Task A_stop_of_a_starts_stand_in_stops_the_run_that_start_makes_and_a_failed_start_is_reported_and_may_be_asked_again()
    {
        var fleet = OneDiskFleet.Of(["a", "b"], 19210, "executor test");
        var runtime = new GatedRuntime { Fail = "b" };
        var executor = new ActionExecutor(runtime, NullLogger.Instance, TimeProvider.System);
        Assert.Empty(await executor.ExecuteAsync(fleet, [new PlannedAction.StartService("a")], [], CancellationToken.None));
        var standIn = Assert.Single(executor.StartsUnderWay());

        var stopping = await executor.ExecuteAsync(fleet, [new PlannedAction.StopService("a", StopReason.NotNeeded, false, standIn)], [], CancellationToken.None);
        Assert.Equal("stopping once its start is done", Assert.Single(stopping).Detail);
        Assert.True(executor.IsStopping("a"));
        Assert.Empty(runtime.Stopped);

        runtime.Open();
        await Eventually.UntilAsync(() => !executor.IsStopping("a"), "the stop carried out");
        Assert.Equal(["a-1"], runtime.Stopped);
        Assert.StartsWith("started (", Assert.Single(await executor.ExecuteAsync(fleet, [], [], CancellationToken.None)).Detail, StringComparison.Ordinal);

        // A start that finished after the pass took its stand-in, stopped in that pass: the run it made is stopped.
        var gate = new GatedRuntime();
        var late = new ActionExecutor(gate, NullLogger.Instance, TimeProvider.System);
        await late.ExecuteAsync(fleet, [new PlannedAction.StartService("a")], [], CancellationToken.None);
        var lateStandIn = Assert.Single(late.StartsUnderWay());
        gate.Open();
        await Eventually.UntilAsync(() => late.StartsUnderWay().Count == 0, "a's start done");
        var outcomes = await late.ExecuteAsync(fleet, [new PlannedAction.StopService("a", StopReason.NotNeeded, false, lateStandIn)], [], CancellationToken.None);
        Assert.Equal(["started (a-1)", "stopping once its start is done"], outcomes.Select(o => o.Detail));
        await Eventually.UntilAsync(() => !late.IsStopping("a"), "the stop carried out");
        Assert.Equal(["a-1"], gate.Stopped);

        // A start that fails is a start done (here at once: reported by the pass that asked), with its reason, and
        // the service may be started again.
        var failed = Assert.Single(await executor.ExecuteAsync(fleet, [new PlannedAction.StartService("b")], [], CancellationToken.None));
        Assert.Equal(("start failed: b refused", false), (failed.Detail, failed.Succeeded));
        Assert.Empty(executor.StartsUnderWay());
        Assert.Equal("start failed: b refused", Assert.Single(await executor.ExecuteAsync(fleet, [new PlannedAction.StartService("b")], [], CancellationToken.None)).Detail);
        Assert.Equal(["start a", "start b", "start b"], runtime.Calls);
    }

    [Fact]
    public async Task A_live_runs_log_is_read_in_the_background_at_most_every_two_seconds_and_an_ended_runs_once_in_its_pass()
    {
        var time = new FakeTimeProvider(Start);
        var runtime = new GatedRuntime { Clock = time.GetUtcNow };
        runtime.Open();
        using var reader = new ServiceLogReader(runtime, time);
        var live = new RuntimeInstance("a", "a-1", Start, true, null, null);
        var crashed = new RuntimeInstance("b", "b-1", Start, false, 1, null);
        var statuses = new Dictionary<string, ServiceStatus> { ["a"] = new ServiceStatus.Idle() };
        var ct = CancellationToken.None;

        // The ended run's reason is in the pass that sees it; the live run's once its read is done.
        Assert.True((await reader.DiagnoseAsync([live, crashed], statuses, ct)).ContainsKey("b"));
        Func<Task<bool>> liveRead = async () => (await reader.DiagnoseAsync([live, crashed], statuses, ct)).ContainsKey("a");
        await Eventually.UntilAsync(liveRead, "the live run's reading", Eventually.DefaultTimeout);
        time.Advance(TimeSpan.FromSeconds(1));
        await reader.DiagnoseAsync([live, crashed], statuses, ct);
        Assert.Equal(1, runtime.TailReads("a"));
        time.Advance(ServiceLogReader.LiveRereadInterval);
        await reader.DiagnoseAsync([live, crashed], statuses, ct);
        await Eventually.UntilAsync(() => runtime.TailReads("a") == 2, "the reread");
        Assert.Equal(1, runtime.TailReads("b"));

        // The live run ends: its final log is read in that pass, then never again; proving, it is not read at all.
        var ended = live with { Running = false, ExitCode = 2 };
        Assert.True((await reader.DiagnoseAsync([ended, crashed], statuses, ct)).ContainsKey("a"));
        Assert.Equal(3, runtime.TailReads("a"));
        time.Advance(TimeSpan.FromMinutes(1));
        await reader.DiagnoseAsync([ended, crashed], statuses, ct);
        Assert.Equal(3, runtime.TailReads("a"));
        Assert.Equal(1, runtime.TailReads("b"));
        var proving = new Dictionary<string, ServiceStatus> { ["a"] = new ServiceStatus.Proving(0, 16, 0) };
        await reader.DiagnoseAsync([live with { InstanceId = "a-2" }], proving, ct);
        Assert.Equal(3, runtime.TailReads("a"));
    }

    /// <summary>Starts wait for <see cref="Open"/>; records every call and how many starts were in it at once.</summary>
    private sealed class GatedRuntime : IServiceRuntime
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();
        private readonly Dictionary<string, int> _tails = new(StringComparer.Ordinal);
        private int _inFlight;

        public List<string> Calls { get; } = [];

        public List<string> Stopped { get; } = [];

        /// <summary>The service whose start throws.</summary>
        public string? Fail { get; init; }

        /// <summary>When the log's line is written: a reason older than the reconnect interval is no longer one.</summary>
        public Func<DateTimeOffset> Clock { get; set; } = () => Start;

        public int InFlight => Volatile.Read(ref _inFlight);

        public int MostInFlight { get; private set; }

        public void Open() => _gate.TrySetResult();

        public int TailReads(string service)
        {
            lock (_lock)
            {
                return _tails.GetValueOrDefault(service);
            }
        }

        public async Task<RuntimeInstance> StartAsync(ServiceLaunch launch, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                Calls.Add("start " + launch.ServiceName);
                MostInFlight = Math.Max(MostInFlight, ++_inFlight);
            }

            await _gate.Task.WaitAsync(cancellationToken);
            lock (_lock)
            {
                _inFlight--;
            }

            return launch.ServiceName == Fail
                ? throw new InvalidOperationException(launch.ServiceName + " refused")
                : new RuntimeInstance(launch.ServiceName, launch.ServiceName + "-1", Start, true, null, null);
        }

        public Task StopAsync(RuntimeInstance instance, TimeSpan grace, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                Stopped.Add(instance.InstanceId);
            }

            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<RuntimeInstance>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RuntimeInstance>>([]);

        public Task ForgetAsync(RuntimeInstance instance, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                Calls.Add("forget " + instance.ServiceName);
            }

            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> ReadLogTailAsync(RuntimeInstance instance, int lines, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                _tails[instance.ServiceName] = _tails.GetValueOrDefault(instance.ServiceName) + 1;
            }

            return Task.FromResult<IReadOnlyList<string>>([$"[{Clock():yyyy-MM-ddTHH:mm:ssZ} INFO  post_service::client] could not connect to the node: {Refused}"]);
        }
    }
}
