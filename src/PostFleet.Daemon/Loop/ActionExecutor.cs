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
                PlannedAction.StopService stop => Stop(fleet, stop),
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
