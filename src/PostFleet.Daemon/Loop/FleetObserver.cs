using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Gathers one observation: each node's PostStates, clock and events, the runtime's own list of runs, each live run's operator
/// /status (read where that run's placement makes it reachable), the log tail of runs that are not proving (why a service cannot connect), and the node events that
/// arrived since the last pass. Sources are asked concurrently and each has
/// its own timeout inside its client, so one hung endpoint never stalls the loop; /status is read in the background
/// (<see cref="StatusPoller"/>), so the pass takes each run's last answer and never waits for the slowest.
/// </summary>
public sealed class FleetObserver(
    IReadOnlyList<NodeSource> nodes,
    IRunStatusReader operators,
    IServiceRuntime runtime,
    TimeProvider time,
    Action? statusChanged = null) : IDisposable
{
    private static readonly TimeSpan ClockRefresh = TimeSpan.FromMinutes(10);

    private readonly ServiceLogReader _logs = new(runtime, time);
    private readonly StatusPoller _statuses = new(operators, time, statusChanged);

    public void Dispose() => _statuses.Dispose();

    public async Task<FleetObservation> ObserveAsync(FleetSpec fleet, CancellationToken cancellationToken)
    {
        // Every node's PostStates and clock are asked at once with the runtime's list; is_synced needs the runs.
        var asked = nodes.Select(n => (Node: n, States: ReadPostStatesAsync(n, cancellationToken), Clock: ReadClockAsync(n, cancellationToken))).ToList();
        var runs = await runtime.ListAsync(cancellationToken);
        var nodesTask = Task.WhenAll(asked.Select(a => ObserveNodeAsync(a.Node, a.States, a.Clock, runs, cancellationToken)));

        // Reads start now and are taken after the node answered: what came in by then is this pass's, the rest the next's.
        _statuses.Begin(fleet, runs);
        var seen = await nodesTask;
        var statuses = _statuses.Current(StatusPoller.StaleAfter(fleet), out var readAt);
        var problems = await _logs.DiagnoseAsync(runs, statuses, cancellationToken);
        var first = seen[0];

        // One node: its own fields, as they always were. Several: reachable only when all answer, each error named.
        var identities = seen.Length == 1 ? first.Identities : seen.SelectMany(n => n.Identities).ToDictionary(p => p.Key, p => p.Value);
        var errors = seen.Where(n => n.Error is not null).Select(n => seen.Length == 1 ? n.Error! : $"node {n.Name}: {n.Error}").ToList();
        return new FleetObservation(
            time.GetUtcNow(),
            NodeReachable: errors.Count == 0,
            errors.Count == 0 ? null : string.Join("; ", errors),
            first.Clock,
            identities,
            runs,
            statuses,
            seen.Length == 1 ? first.Events : [.. seen.SelectMany(n => n.Events)])
        {
            Problems = problems,
            NodeSynced = seen.Any(n => n.Synced == false) ? false : seen.Any(n => n.Synced == true) ? true : null,
            EventStreamDropped = seen.Any(n => n.StreamDropped),
            Nodes = seen,
            StatusReadAt = readAt,

            // Fleet-wide and conservative: a start whose round is unknown waits until every node's replay was read.
            EventReplayRead = seen.All(n => n.ReplayRead),
        };
    }

    private static async Task<NodeObservation> ObserveNodeAsync(
        NodeSource node, Task<(IReadOnlyDictionary<string, IdentityState>? States, string? Error)> statesTask, Task<NetworkClock?> clockTask, IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        var synced = await ReadSyncedAsync(node, runs, cancellationToken);
        var (identities, error) = await statesTask;
        var clock = await clockTask;

        // Read before the drain: the pump marks the replay read only after queueing all of it.
        var replayRead = node.Events.ReplayRead;
        return new NodeObservation(node.Name, error is null, error, clock, identities ?? new Dictionary<string, IdentityState>(), node.Events.Drain(), synced, node.Events.TakeDropped())
        {
            ReplayRead = replayRead,
        };
    }

    /// <summary>
    /// Only while a run is live: that is when it matters (a restarted node lists every identity IDLE until it has
    /// synced, and the runs must be kept), so an idle fleet costs the node nothing extra.
    /// </summary>
    private static async Task<bool?> ReadSyncedAsync(NodeSource node, IReadOnlyList<RuntimeInstance> runs, CancellationToken cancellationToken)
    {
        if (!runs.Any(r => r.Running))
        {
            return null;
        }

        try
        {
            return await node.Client.IsSyncedAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task<(IReadOnlyDictionary<string, IdentityState>? States, string? Error)> ReadPostStatesAsync(NodeSource node, CancellationToken cancellationToken)
    {
        try
        {
            var states = await node.Client.GetPostStatesAsync(cancellationToken);
            return (states.ToDictionary(s => s.Name), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (null, ex.Message);
        }
    }

    private async Task<NetworkClock?> ReadClockAsync(NodeSource node, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (node.Clock is not null && now - node.ClockFetchedAt < ClockRefresh)
        {
            return node.Clock;
        }

        try
        {
            node.Clock = await node.Client.GetNetworkClockAsync(cancellationToken);
            node.ClockFetchedAt = now;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Keep the last known clock: genesis and layer length do not change while a node is down.
        }

        return node.Clock;
    }
}
