namespace PostFleet.Daemon.Loop;

/// <summary>
/// "Something changed; look again": set by whatever can change what the loop would see (a node event, a user
/// intent), waited on by the loop between passes. Built before both sides, so neither needs the other. Coalesces:
/// any number of sets before the loop wakes make one pass, and a set during a pass makes the next wait return at once.
/// </summary>
public sealed class PassTrigger(TimeProvider time)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _signal = NewSignal();
    private bool _pending;
    private DateTimeOffset? _waitingUntil;

    /// <summary>Set and not yet taken by the loop.</summary>
    public bool Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    /// <summary>While the loop waits: when it will look again by itself (its requeue time); null during a pass.</summary>
    public DateTimeOffset? WaitingUntil
    {
        get
        {
            lock (_gate)
            {
                return _waitingUntil;
            }
        }
    }

    public void Set()
    {
        lock (_gate)
        {
            _pending = true;
            _signal.TrySetResult();
        }
    }

    /// <summary>Returns when set (taking the set) or after <paramref name="wait"/>, whichever is first, or on cancellation.</summary>
    public async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            signal = _signal.Task;
            _waitingUntil = wait == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : time.GetUtcNow() + wait;
        }

        try
        {
            await signal.WaitAsync(wait, time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Requeue time reached (or shutting down: the caller checks).
        }
        finally
        {
            lock (_gate)
            {
                _waitingUntil = null;
                if (_pending)
                {
                    _pending = false;
                    _signal = NewSignal();
                }
            }
        }
    }

    // Continuations never run inside Set: a node event or an API request must not run a pass on its own thread.
    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
