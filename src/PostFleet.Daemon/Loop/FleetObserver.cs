using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Gathers one observation: each node's PostStates, clock and events, the runtime's own list of runs, each live run's operator
/// /status (read where that run's placement makes it reachable), the log tail of runs that are not proving (why a service cannot connect), and the node events that
/// arrived since the last pass. Sources are asked concurrently and each has
/// its own timeout inside its client, so one hung endpoint never stalls the loop; /status and live runs' log tails are
/// read in the background (<see cref="StatusPoller"/>, <see cref="ServiceLogReader"/>), so the pass takes each run's
/// last answer and never waits for the slowest; the nodes' states are read ahead, when the previous pass ended, and
/// taken when they may stand for a read of the pass's own (<see cref="NodeStateReader"/>).
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

    public void Dispose()
    {
        _statuses.Dispose();
        _logs.Dispose();
        foreach (var node in nodes)
        {
            node.States.Dispose();
        }
    }

    public async Task<FleetObservation> ObserveAsync(FleetSpec fleet, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var runs = await runtime.ListAsync(cancellationToken);
        var listed = time.GetTimestamp();

        // is_synced only while a run is live: that is when it matters (a restarted node lists every identity IDLE
        // until it has synced, and the runs must be kept), so an idle fleet costs the node nothing extra.
        var live = runs.Any(r => r.Running);
        var nodesTask = Task.WhenAll(nodes.Select(n => ObserveNodeAsync(n, live, cancellationToken)));

        // Reads start now and are taken after the node answered: what came in by then is this pass's, the rest the next's.
        _statuses.Begin(fleet, runs);
        var seen = await nodesTask;
        var answered = time.GetTimestamp();
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
            Took = (time.GetElapsedTime(started, listed), time.GetElapsedTime(listed, answered), time.GetElapsedTime(answered)),

            // Fleet-wide and conservative: a start whose round is unknown waits until every node's replay was read.
            EventReplayRead = seen.All(n => n.ReplayRead),
        };
    }

    /// <summary>
    /// Asks every node for its states now, for the next pass (<see cref="NodeStateReader"/>); called when a pass ends.
    /// <paramref name="runsLive"/>: whether runs are live after it, so that the answer carries is_synced.
    /// </summary>
    public void ReadAhead(bool runsLive)
    {
        foreach (var node in nodes)
        {
            node.States.ReadAhead(runsLive);
        }
    }

    private async Task<NodeObservation> ObserveNodeAsync(NodeSource node, bool runsLive, CancellationToken cancellationToken)
    {
        // The drop first: the stream's mark has moved by then, so the states are from after it (a restart's all-IDLE).
        var dropped = node.Events.TakeDropped();
        var states = await node.States.TakeAsync(runsLive, cancellationToken);
        var clock = await ReadClockAsync(node, cancellationToken);

        // Read before the drain: the pump marks the replay read only after queueing all of it.
        var replayRead = node.Events.ReplayRead;
        return new NodeObservation(node.Name, states.Error is null, states.Error, clock, states.Identities ?? new Dictionary<string, IdentityState>(), node.Events.Drain(), states.Synced, dropped)
        {
            ReplayRead = replayRead,
        };
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
