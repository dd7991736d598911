using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Keeps one AdminService.EventsStream open, reconnecting with capped backoff, and hands new events to the loop.
/// The node replays its last ≤ 100 events on every subscribe, so events already seen are dropped here.
/// </summary>
public sealed class NodeEventPump(INodeClient node, TimeProvider time, ILogger logger, Action onEvent)
{
    private const int RememberedEvents = 4096;
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<NodeEvent> _pending = new();
    private readonly HashSet<NodeEvent> _seen = [];
    private readonly Queue<NodeEvent> _seenOrder = new();

    private int _drops;

    public bool Connected { get; private set; }

    /// <summary>
    /// True when a stream that had delivered events ended since the last call (the pump subscribes again at once,
    /// then with backoff): with all identities IDLE, one sign of a node restart.
    /// </summary>
    public bool TakeDropped() => Interlocked.Exchange(ref _drops, 0) > 0;

    /// <summary>Events received since the last call.</summary>
    public IReadOnlyList<NodeEvent> Drain()
    {
        var drained = new List<NodeEvent>();
        while (_pending.TryDequeue(out var e))
        {
            drained.Add(e);
        }

        return drained;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in node.StreamEventsAsync(cancellationToken))
                {
                    Connected = true;
                    backoff = InitialBackoff;
                    if (Remember(e))
                    {
                        _pending.Enqueue(e);
                        onEvent();
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogDebug("event stream: {Reason}", ex.Message);
            }

            if (Connected)
            {
                Interlocked.Increment(ref _drops);
            }

            Connected = false;
            try
            {
                await Task.Delay(backoff, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private bool Remember(NodeEvent e)
    {
        if (!_seen.Add(e))
        {
            return false;
        }

        _seenOrder.Enqueue(e);
        if (_seenOrder.Count > RememberedEvents)
        {
            _seen.Remove(_seenOrder.Dequeue());
        }

        return true;
    }
}
