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

    public async Task<IReadOnlyList<ActionOutcome>> ExecuteAsync(FleetSpec fleet, IReadOnlyList<PlannedAction> actions, IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        var outcomes = new List<ActionOutcome>();
        foreach (var action in actions)
        {
            outcomes.Add(action switch
            {
                PlannedAction.StartService start => await StartAsync(fleet, start, runs, cancellationToken),
                PlannedAction.StopService stop => Stop(fleet, stop, runs),
                PlannedAction.ForgetRun forget => await ForgetAsync(forget, cancellationToken),
                _ => new ActionOutcome(action, "?", "unknown action", Succeeded: false),
            });
        }

        return outcomes;
    }

    /// <summary>Waits for background stops, e.g. before the daemon exits.</summary>
    public Task DrainAsync() => Task.WhenAll(_stopping.Values);

    private async Task<ActionOutcome> StartAsync(FleetSpec fleet, PlannedAction.StartService start, IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        if (runs.Any(r => r.ServiceName == start.Service && r.Running))
        {
            return new ActionOutcome(start, start.Service, "already running", Succeeded: true);
        }

        var service = fleet.FindService(start.Service);
        if (service is null)
        {
            return new ActionOutcome(start, start.Service, "not in the configuration", Succeeded: false);
        }

        try
        {
            var launch = new ServiceLaunch(
                service.Name,
                fleet.Post.ServiceBinary,
                PostServiceCommandLine.Build(service, fleet),
                service.DataDir,
                Path.Combine(fleet.StateDirectory, "logs"));
            var instance = await runtime.StartAsync(launch, cancellationToken);
            return new ActionOutcome(start, start.Service, $"started ({instance.InstanceId})", Succeeded: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("starting {Service} failed: {Reason}", start.Service, ex.Message);
            return new ActionOutcome(start, start.Service, "start failed: " + ex.Message, Succeeded: false);
        }
    }

    private ActionOutcome Stop(FleetSpec fleet, PlannedAction.StopService stop, IReadOnlyList<RuntimeInstance> runs)
    {
        var run = runs.FirstOrDefault(r => r.ServiceName == stop.Service && r.Running);
        if (run is null)
        {
            return new ActionOutcome(stop, stop.Service, "not running", Succeeded: true);
        }

        if (IsStopping(stop.Service))
        {
            return new ActionOutcome(stop, stop.Service, "stop already under way", Succeeded: true);
        }

        // Cleanup must finish even when the daemon is shutting down, so it does not take the loop's token.
        _stopping[stop.Service] = Task.Run(async () =>
        {
            try
            {
                await runtime.StopAsync(run, fleet.Schedule.StopGrace, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning("stopping {Service} failed: {Reason}", stop.Service, ex.Message);
            }
        });
        return new ActionOutcome(stop, stop.Service, "stopping", Succeeded: true);
    }

    private async Task<ActionOutcome> ForgetAsync(PlannedAction.ForgetRun forget, CancellationToken cancellationToken)
    {
        await runtime.ForgetAsync(forget.Run, cancellationToken);
        return new ActionOutcome(forget, forget.Run.ServiceName, "forgotten", Succeeded: true);
    }
}

public sealed record ActionOutcome(PlannedAction Action, string Service, string Detail, bool Succeeded);
