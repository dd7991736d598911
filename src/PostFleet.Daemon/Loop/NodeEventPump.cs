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

    /// <summary>
    /// Small: a node that comes back from a restart replays its last events, and a stream subscribed again is one of
    /// the signs that tell its restart from a delivery while it syncs; a subscribe to a node that is down costs nothing.
    /// </summary>
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);

    /// <summary>
    /// go-spacemesh sends the whole replay right after its header, in one loop, before any live event; a stream quiet
    /// this long after the header (or its last replayed event) has sent it all.
    /// </summary>
    internal static readonly TimeSpan ReplayQuiet = TimeSpan.FromMilliseconds(500);

    /// <summary>A node that has not subscribed the stream by then has no replay to wait for (the stream is down or slow).</summary>
    internal static readonly TimeSpan SubscribeWait = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<NodeEvent> _pending = new();
    private readonly RecentSet<NodeEvent> _seen = new(RememberedEvents);

    private int _drops;
    private long _streamChanges;
    private long _postStartsReceived;
    private long _postStartsDrained;

    // From the start: the first pass must not run ahead of the first replay.
    private volatile bool _replayPending = true;

    public bool Connected { get; private set; }

    /// <summary>
    /// The replay since the last (re)subscribe has been handed over (or there is none to wait for: the subscribe
    /// failed or took longer than <see cref="SubscribeWait"/>). Set before the events' trigger, so a pass that sees it
    /// also drains them.
    /// </summary>
    public bool ReplayRead => !_replayPending;

    /// <summary>
    /// True when a stream that had delivered events ended since the last call (the pump subscribes again at once,
    /// then with backoff): with all identities IDLE, one sign of a node restart.
    /// </summary>
    public bool TakeDropped() => Interlocked.Exchange(ref _drops, 0) > 0;

    /// <summary>
    /// Which stream the node's other answers were read under: whether its replay was read, and a count that moves
    /// when it drops, subscribes again or finishes a replay. Equal marks mean no restart could have come between.
    /// </summary>
    public (bool ReplayRead, long Changes) StreamMark
    {
        get
        {
            // The count first: a change between the two reads makes the mark differ from any later one.
            var changes = Interlocked.Read(ref _streamChanges);
            return (ReplayRead, changes);
        }
    }

    /// <summary>
    /// How many postStarts the pump has received, and how many of them passes have drained. A postStart is the one
    /// event that makes an IDLE read before it stale (the node asks, PROVING): states asked for while fewer had been
    /// received than a pass has since drained must not serve a later pass (<see cref="NodeStateReader"/>).
    /// </summary>
    public (long Received, long Drained) PostStarts => (Interlocked.Read(ref _postStartsReceived), Interlocked.Read(ref _postStartsDrained));

    /// <summary>Events received since the last call.</summary>
    public IReadOnlyList<NodeEvent> Drain()
    {
        var drained = new List<NodeEvent>();
        var postStarts = 0;
        while (_pending.TryDequeue(out var e))
        {
            drained.Add(e);
            postStarts += e is NodeEvent.PostStarted ? 1 : 0;
        }

        if (postStarts > 0)
        {
            Interlocked.Add(ref _postStartsDrained, postStarts);
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
                await ReadStreamAsync(() => backoff = InitialBackoff, cancellationToken);
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
                // The mark moves first: a pass that takes the drop then reads the node's states from after it.
                Interlocked.Increment(ref _streamChanges);
                Interlocked.Increment(ref _drops);
            }

            Connected = false;
            ReplayDone();
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

    /// <summary>
    /// One subscription: each event is handed over as it comes; while the replay is pending, every wait for the next
    /// event is bounded by the quiet time (after the header) or the subscribe wait (before it), whichever applies.
    /// </summary>
    private async Task ReadStreamAsync(Action onConnected, CancellationToken cancellationToken)
    {
        _replayPending = true;
        Interlocked.Increment(ref _streamChanges);
        var subscribedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempt = time.GetUtcNow();
        await using var events = node.StreamEventsAsync(() => subscribedSignal.TrySetResult(), cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var next = events.MoveNextAsync().AsTask();
            var quietFrom = time.GetUtcNow();
            while (_replayPending && !next.IsCompleted)
            {
                var subscribed = subscribedSignal.Task.IsCompleted;
                var until = subscribed ? quietFrom + ReplayQuiet : attempt + SubscribeWait;
                if (time.GetUtcNow() >= until)
                {
                    ReplayDone();
                    break;
                }

                using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var timer = Task.Delay(until - time.GetUtcNow(), time, wake.Token);
                await Task.WhenAny(next, timer, subscribed ? Task.Delay(Timeout.Infinite, wake.Token) : subscribedSignal.Task);
                await wake.CancelAsync();
                if (!subscribed && subscribedSignal.Task.IsCompleted)
                {
                    quietFrom = time.GetUtcNow();
                }
            }

            if (!await next)
            {
                return;
            }

            var e = events.Current;
            Connected = true;
            onConnected();
            if (_seen.Add(e))
            {
                // Counted before it can be drained, so a drained count never runs ahead of the received one.
                if (e is NodeEvent.PostStarted)
                {
                    Interlocked.Increment(ref _postStartsReceived);
                }

                _pending.Enqueue(e);
                onEvent();
            }
        }
    }

    private void ReplayDone()
    {
        if (_replayPending)
        {
            _replayPending = false;
            Interlocked.Increment(ref _streamChanges);
            onEvent();
        }
    }
}
