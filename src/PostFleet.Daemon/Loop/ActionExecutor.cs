using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Launch;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Ports;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Carries out a plan idempotently: a start for a service that already has a live run (or a start under way) is
/// skipped, a stop already under way is not sent twice. Neither waits in the pass. Stops run in the background (they
/// may wait out a grace period) and show up in the next observation as the run disappearing. Starts run in the
/// background too (a fork and its record on a loaded host, a container's creation: seconds, and the pass that opens
/// a gap starts dozens): until the runtime has the run, <see cref="StartsUnderWay"/> names it, and the loop gives the
/// planner that stand-in as the service's live run, so nothing is started twice and every cap counts it. A start's
/// outcome is reported by the first pass after it finished (the pass that asked, when it finished at once).
/// Thread safety: <see cref="ExecuteAsync"/> is called by one loop at a time; <see cref="StartsUnderWay"/>,
/// <see cref="IsStopping"/> and <see cref="DrainAsync"/> from any thread.
/// </summary>
public sealed class ActionExecutor(IServiceRuntime runtime, ILogger logger, TimeProvider time, Action? startFinished = null)
{
    /// <summary>Starts carried out at once at most (each waits for its process to be forked and recorded, or its container created).</summary>
    public const int StartConcurrency = 8;

    /// <summary>Bounds a start the runtime never finishes (an engine that hangs), so the service is not held as starting for good.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The instance id of a start's stand-in: no runtime's id looks like it.</summary>
    public const string StartingPrefix = "starting:";

    private readonly ConcurrentDictionary<string, Task> _stopping = new();
    private readonly ConcurrentDictionary<string, StartUnderWay> _starting = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _startSlots = new(StartConcurrency);
    private long _startsAsked;

    public bool IsStopping(string service) => _stopping.TryGetValue(service, out var task) && !task.IsCompleted;

    /// <summary>
    /// The starts the runtime has not finished, each as the run it will be (instance id <see cref="StartingPrefix"/>
    /// and the service, running, started when asked). Taken before the runtime's list: a start that finishes after
    /// this is either in that list or still named here, never neither.
    /// </summary>
    public IReadOnlyList<RuntimeInstance> StartsUnderWay() => [.. _starting.Values.Where(s => !s.Task.IsCompleted).Select(s => s.StandIn)];

    /// <summary>
    /// Forgets and stops first, in plan order, then begins the starts (at most <see cref="StartConcurrency"/> in the
    /// runtime at once): each start is of another service than every other action's but a forget's of that service's
    /// ended run, which is why the forgets go first. Returns the outcomes of earlier starts that finished since the
    /// last call, in the order they were asked, then, in plan order, that of each action of this plan that is done (a
    /// stop's is "stopping"; a start's only if it finished at once).
    /// </summary>
    public async Task<IReadOnlyList<ActionOutcome>> ExecuteAsync(FleetSpec fleet, IReadOnlyList<PlannedAction> actions, IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        var outcomes = new ActionOutcome?[actions.Count];
        var starts = new List<(int Index, PlannedAction.StartService Start)>();
        for (var i = 0; i < actions.Count; i++)
        {
            switch (actions[i])
            {
                case PlannedAction.StartService start:
                    starts.Add((i, start));
                    break;
                case PlannedAction.StopService stop:
                    outcomes[i] = Stop(fleet, stop);
                    break;
                case PlannedAction.ForgetRun forget:
                    outcomes[i] = await ForgetAsync(forget, cancellationToken);
                    break;
                default:
                    outcomes[i] = new ActionOutcome(actions[i], "?", "unknown action", Succeeded: false);
                    break;
            }
        }

        // Earlier starts that finished are reported first, once the stops had them (a stop of a stand-in stops the
        // run its start made), and before this plan's starts (a service whose start failed may be started again).
        var finished = new List<ActionOutcome>();
        foreach (var start in _starting.Values.Where(s => s.Task.IsCompleted).OrderBy(s => s.Order).ToList())
        {
            _starting.TryRemove(new KeyValuePair<string, StartUnderWay>(start.StandIn.ServiceName, start));
            finished.Add(await start.Task);
        }

        // This plan's starts: each reported here when there was nothing to wait for, else by a later pass.
        foreach (var (index, start) in starts)
        {
            outcomes[index] = Begin(fleet, start, runs);
        }

        return [.. finished, .. outcomes.OfType<ActionOutcome>()];
    }

    /// <summary>Waits for background starts and stops, e.g. before the daemon exits.</summary>
    public Task DrainAsync() => Task.WhenAll(_stopping.Values.Concat(_starting.Values.Select(s => (Task)s.Task)));

    /// <summary>The outcome when there is nothing to wait for (skipped, or finished at once); null when under way.</summary>
    private ActionOutcome? Begin(FleetSpec fleet, PlannedAction.StartService start, IReadOnlyList<RuntimeInstance> runs)
    {
        if (runs.Any(r => r.ServiceName == start.ServiceName && r.Running))
        {
            return new ActionOutcome(start, start.ServiceName, "already running", Succeeded: true);
        }

        if (_starting.TryGetValue(start.ServiceName, out var pending) && !pending.Task.IsCompleted)
        {
            return new ActionOutcome(start, start.ServiceName, "start already under way", Succeeded: true);
        }

        if (fleet.FindService(start.ServiceName) is not { } service)
        {
            return new ActionOutcome(start, start.ServiceName, "not in the configuration", Succeeded: false);
        }

        var task = StartAsync(fleet, service, start);
        if (task.IsCompleted)
        {
            return task.Result; // finished at once (a runtime that did not have to wait, or a failure before it did)
        }

        var standIn = new RuntimeInstance(start.ServiceName, StartingPrefix + start.ServiceName, time.GetUtcNow(), Running: true, ExitCode: null, LogPath: null);
        _starting[start.ServiceName] = new StartUnderWay(Interlocked.Increment(ref _startsAsked), standIn, task);

        // The pass after it finished reports it and sees the run in the runtime's list.
        _ = task.ContinueWith(_ => startFinished?.Invoke(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return null;
    }

    /// <summary>Never throws: a failure is the outcome (and is logged).</summary>
    private async Task<ActionOutcome> StartAsync(FleetSpec fleet, ServiceSpec service, PlannedAction.StartService start)
    {
        // Not the pass's token: the pass ends long before a start may; the daemon's exit waits for it (DrainAsync).
        using var timeout = new CancellationTokenSource(StartTimeout, time);
        try
        {
            await _startSlots.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                var launch = new ServiceLaunch(
                    service.Name,
                    fleet.Post.ServiceBinary,
                    PostServiceCommandLine.Build(service, fleet),
                    service.DataDir,
                    Path.Combine(fleet.StateDirectory, "logs"))
                {
                    Files = fleet.TlsFor(service) is { } tls ? [tls.CaCert, tls.Cert, tls.Key] : [],
                };
                var instance = await runtime.StartAsync(launch, timeout.Token).ConfigureAwait(false);
                return new ActionOutcome(start, start.ServiceName, $"started ({instance.InstanceId})", Succeeded: true) { Started = instance };
            }
            finally
            {
                _startSlots.Release();
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            logger.LogWarning("starting {Service} failed: the runtime did not finish it within {Timeout}", start.ServiceName, StartTimeout);
            return new ActionOutcome(start, start.ServiceName, $"start failed: the runtime did not finish it within {StartTimeout.TotalSeconds:0} s", Succeeded: false);
        }
        catch (Exception ex)
        {
            logger.LogWarning("starting {Service} failed: {Reason}", start.ServiceName, ex.Message);
            return new ActionOutcome(start, start.ServiceName, "start failed: " + ex.Message, Succeeded: false);
        }
    }

    private ActionOutcome Stop(FleetSpec fleet, PlannedAction.StopService stop)
    {
        var run = stop.Run;
        if (IsStopping(stop.ServiceName))
        {
            return new ActionOutcome(stop, stop.ServiceName, "stop already under way", Succeeded: true);
        }

        // A stop of a start's stand-in stops the run that start makes, once the runtime has it.
        var starting = run.InstanceId.StartsWith(StartingPrefix, StringComparison.Ordinal) && _starting.TryGetValue(stop.ServiceName, out var pending) ? pending.Task : null;

        // Cleanup must finish even when the daemon is shutting down, so it does not take the loop's token.
        _stopping[stop.ServiceName] = Task.Run(async () =>
        {
            try
            {
                var instance = starting is null ? run : (await starting.ConfigureAwait(false)).Started;
                if (instance is not null)
                {
                    await runtime.StopAsync(instance, fleet.Schedule.StopGrace, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                logger.LogWarning("stopping {Service} failed: {Reason}", stop.ServiceName, ex.Message);
            }
        });
        return new ActionOutcome(stop, stop.ServiceName, starting is null ? "stopping" : "stopping once its start is done", Succeeded: true);
    }

    private async Task<ActionOutcome> ForgetAsync(PlannedAction.ForgetRun forget, CancellationToken cancellationToken)
    {
        await runtime.ForgetAsync(forget.Instance, cancellationToken);
        return new ActionOutcome(forget, forget.Instance.ServiceName, "forgotten", Succeeded: true);
    }

    /// <summary>A start the runtime is carrying out, and the run the planner counts meanwhile.</summary>
    private sealed record StartUnderWay(long Order, RuntimeInstance StandIn, Task<ActionOutcome> Task);
}

/// <param name="Detail">What happened, for people: "started (ID)", "stopping", "start failed: …".</param>
public sealed record ActionOutcome(PlannedAction Action, string Service, string Detail, bool Succeeded)
{
    /// <summary>The run a start made (null for every other action, and for a start that failed).</summary>
    public RuntimeInstance? Started { get; init; }
}
