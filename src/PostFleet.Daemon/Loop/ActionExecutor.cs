using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Launch;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Ports;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Carries out a plan idempotently: a start for a service that already has a live run is skipped, a stop already
/// under way is not sent twice. Stops run in the background (they may wait out a grace period) and show up in the
/// next observation as the run disappearing, never as "the call returned".
/// </summary>
public sealed class ActionExecutor(IServiceRuntime runtime, ILogger logger)
{
    private readonly ConcurrentDictionary<string, Task> _stopping = new();

    public bool IsStopping(string service) => _stopping.TryGetValue(service, out var task) && !task.IsCompleted;

    /// <summary>Starts carried out at once at most (each waits for its process to be forked and recorded, or its container created).</summary>
    public const int StartConcurrency = 8;

    /// <summary>
    /// Forgets and stops first, in plan order, then the starts side by side (at most <see cref="StartConcurrency"/>):
    /// a start waits for the runtime to have the run (a fork and its record, a container's creation: seconds on a
    /// loaded host), and the pass that opens a gap starts dozens. Each start is of another service than every other
    /// action's but a forget's of that service's ended run, which is why the forgets go first. Outcomes come back in
    /// plan order.
    /// </summary>
    public async Task<IReadOnlyList<ActionOutcome>> ExecuteAsync(FleetSpec fleet, IReadOnlyList<PlannedAction> actions, IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        var outcomes = new ActionOutcome[actions.Count];
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

        using var slots = new SemaphoreSlim(StartConcurrency);
        await Task.WhenAll(starts.Select(async s =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                outcomes[s.Index] = await StartAsync(fleet, s.Start, runs, cancellationToken);
            }
            finally
            {
                slots.Release();
            }
        }));
        return outcomes;
    }

    /// <summary>Waits for background stops, e.g. before the daemon exits.</summary>
    public Task DrainAsync() => Task.WhenAll(_stopping.Values);

    private async Task<ActionOutcome> StartAsync(FleetSpec fleet, PlannedAction.StartService start, IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        if (runs.Any(r => r.ServiceName == start.ServiceName && r.Running))
        {
            return new ActionOutcome(start, start.ServiceName, "already running", Succeeded: true);
        }

        var service = fleet.FindService(start.ServiceName);
        if (service is null)
        {
            return new ActionOutcome(start, start.ServiceName, "not in the configuration", Succeeded: false);
        }

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
            var instance = await runtime.StartAsync(launch, cancellationToken);
            return new ActionOutcome(start, start.ServiceName, $"started ({instance.InstanceId})", Succeeded: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
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

        // Cleanup must finish even when the daemon is shutting down, so it does not take the loop's token.
        _stopping[stop.ServiceName] = Task.Run(async () =>
        {
            try
            {
                await runtime.StopAsync(run, fleet.Schedule.StopGrace, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning("stopping {Service} failed: {Reason}", stop.ServiceName, ex.Message);
            }
        });
        return new ActionOutcome(stop, stop.ServiceName, "stopping", Succeeded: true);
    }

    private async Task<ActionOutcome> ForgetAsync(PlannedAction.ForgetRun forget, CancellationToken cancellationToken)
    {
        await runtime.ForgetAsync(forget.Instance, cancellationToken);
        return new ActionOutcome(forget, forget.Instance.ServiceName, "forgotten", Succeeded: true);
    }
}

public sealed record ActionOutcome(PlannedAction Action, string Service, string Detail, bool Succeeded);
