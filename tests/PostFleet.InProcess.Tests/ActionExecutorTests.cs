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
/// new start), the starts side by side up to the limit, outcomes in plan order; and the log reader reads a live
/// run's tail in the background at most every two seconds, an ended one's once, in its pass.
/// </summary>
public sealed class ActionExecutorTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 14, 0, 0, TimeSpan.Zero);

    private const string Refused = "tonic::transport::Error(Transport, ConnectError(ConnectError(\"tcp connect error\", Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" })))";

    [Fact]
    public async Task Starts_run_side_by_side_after_the_forgets_and_outcomes_keep_the_plans_order()
    {
        var fleet = OneDiskFleet.Of([.. Enumerable.Range(0, 12).Select(i => $"s{i}")], 19200, "executor test");
        var runtime = new GatedRuntime();
        var executor = new ActionExecutor(runtime, NullLogger.Instance);
        var ended = new RuntimeInstance("s0", "old", Start, false, 0, null);
        PlannedAction[] actions = [.. Enumerable.Range(0, 12).Select(i => (PlannedAction)new PlannedAction.StartService($"s{i}")), new PlannedAction.ForgetRun(ended)];

        var execute = executor.ExecuteAsync(fleet, actions, [ended], CancellationToken.None);

        // The first eight starts are in the runtime at once (each waits for the gate), the rest wait for a slot.
        await Eventually.UntilAsync(() => runtime.InFlight == ActionExecutor.StartConcurrency, "as many starts in flight as the executor allows");
        Assert.Equal(["forget s0"], runtime.Calls.Take(1));
        Assert.False(execute.IsCompleted);
        runtime.Open();
        var outcomes = await execute;

        Assert.Equal(actions.Select(a => a.ServiceName), outcomes.Select(o => o.Service));
        Assert.All(outcomes.Take(12), o => Assert.StartsWith("started (", o.Detail, StringComparison.Ordinal));
        Assert.Equal(ActionExecutor.StartConcurrency, runtime.MostInFlight);
        Assert.Equal(13, runtime.Calls.Count);
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

            return new RuntimeInstance(launch.ServiceName, launch.ServiceName + "-1", Start, true, null, null);
        }

        public Task StopAsync(RuntimeInstance instance, TimeSpan grace, CancellationToken cancellationToken) => Task.CompletedTask;

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
