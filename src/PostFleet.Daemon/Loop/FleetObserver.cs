using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Gathers one observation: the node's PostStates, the runtime's own list of runs, each live run's operator
/// /status (read where that run's placement makes it reachable), the log tail of runs that are not proving (why a service cannot connect), and the node events that
/// arrived since the last pass. Sources are asked concurrently and each has
/// its own timeout inside its client, so one hung endpoint never stalls the loop.
/// </summary>
public sealed class FleetObserver(
    INodeClient node,
    IRunStatusReader operators,
    IServiceRuntime runtime,
    NodeEventPump events,
    TimeProvider time)
{
    private static readonly TimeSpan ClockRefresh = TimeSpan.FromMinutes(10);

    private readonly ServiceLogReader _logs = new(runtime, time);
    private NetworkClock? _clock;
    private DateTimeOffset _clockFetchedAt;

    public async Task<FleetObservation> ObserveAsync(FleetSpec fleet, CancellationToken cancellationToken)
    {
        var statesTask = ReadPostStatesAsync(cancellationToken);
        var runsTask = runtime.ListAsync(cancellationToken);
        var clockTask = ReadClockAsync(cancellationToken);
        var runs = await runsTask;
        var syncedTask = ReadSyncedAsync(runs, cancellationToken);
        var statuses = await ReadStatusesAsync(fleet, runs, cancellationToken);
        var problems = await _logs.DiagnoseAsync(runs, statuses, cancellationToken);
        var (identities, nodeError) = await statesTask;
        var clock = await clockTask;

        // Read before the drain: the pump marks the replay read only after queueing all of it.
        var replayRead = events.ReplayRead;
        return new FleetObservation(
            time.GetUtcNow(),
            NodeReachable: nodeError is null,
            nodeError,
            clock,
            identities ?? new Dictionary<string, IdentityState>(),
            runs,
            statuses,
            events.Drain())
        {
            Problems = problems,
            NodeSynced = await syncedTask,
            EventStreamDropped = events.TakeDropped(),
            EventReplayRead = replayRead,
        };
    }

    /// <summary>
    /// Only while a run is live: that is when it matters (a restarted node lists every identity IDLE until it has
    /// synced, and the runs must be kept), so an idle fleet costs the node nothing extra.
    /// </summary>
    private async Task<bool?> ReadSyncedAsync(IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        if (!runs.Any(r => r.Running))
        {
            return null;
        }

        try
        {
            return await node.IsSyncedAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task<(IReadOnlyDictionary<string, IdentityState>? States, string? Error)> ReadPostStatesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var states = await node.GetPostStatesAsync(cancellationToken);
            return (states.ToDictionary(s => s.Name), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (null, ex.Message);
        }
    }

    private async Task<NetworkClock?> ReadClockAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_clock is not null && now - _clockFetchedAt < ClockRefresh)
        {
            return _clock;
        }

        try
        {
            _clock = await node.GetNetworkClockAsync(cancellationToken);
            _clockFetchedAt = now;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Keep the last known clock: genesis and layer length do not change while a node is down.
        }

        return _clock;
    }

    private async Task<IReadOnlyDictionary<string, ServiceStatus>> ReadStatusesAsync(FleetSpec fleet, IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        // Read where the run is (its placement decides the address), not blindly at the address it binds.
        var live = runs
            .Where(r => r.Running)
            .Select(r => (Run: r, Service: fleet.FindService(r.ServiceName)))
            .Where(p => p.Service is not null)
            .ToList();
        var statuses = await Task.WhenAll(live.Select(p => operators.ReadStatusAsync(p.Service!, p.Run, cancellationToken)));
        return live.Zip(statuses).ToDictionary(p => p.First.Service!.Name, p => p.Second);
    }
}
