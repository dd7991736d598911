namespace PostFleet.Daemon.Loop;

/// <summary>
/// "Something changed; look again": set by whatever can change what the loop would see (a node event, a run's
/// /status phase, a user intent), waited on by the loop between passes. Built before all sides, so none needs the
/// others. Coalesces: any number of sets before the loop wakes make one pass, and a set during a pass makes the next
/// wait end. A <see cref="Set"/> (a run's /status phase changed, a node event) wakes the loop no sooner than
/// <see cref="DutyFactor"/> times the last pass's length after that pass began, and never later than
/// <see cref="MaxPace"/> after it: with a hundred runs live their phase changes come several a second, and in an
/// open gap at 1,000 identities the node's events (a request, a delivery) as many; a pass for each cost a large fleet
/// most of a core, so woken passes take at most a fifth of the loop's time. A small fleet's passes take
/// milliseconds, so it still sees a short phase (a one-second read at a compressed time scale, whose rate the
/// planner learns) and a node event as before; an answer and an event keep their own times either way (the history
/// records when the node said it). <see cref="SetNow"/> wakes it at once: a user's intent (the page shows its
/// effect). The planner's own requeue (such as the gap's opening) is the wait's end and never paced.
/// </summary>
public sealed class PassTrigger(TimeProvider time, TimeSpan maxPace)
{
    /// <summary>The daemon's pacing at the most: a woken pass a second, however long passes take.</summary>
    public static readonly TimeSpan DefaultMaxPace = TimeSpan.FromSeconds(1);

    /// <summary>A paced wake comes this many pass lengths after the last pass began (a pass's share: 1/5).</summary>
    public const int DutyFactor = 5;

    private readonly Lock _gate = new();
    private TaskCompletionSource _signal = NewSignal();
    private bool _pending;
    private bool _now;
    private bool _pacing;
    private DateTimeOffset _lastPass = DateTimeOffset.MinValue;
    private TimeSpan _pace;
    private DateTimeOffset? _waitingUntil;

    public PassTrigger(TimeProvider time)
        : this(time, DefaultMaxPace)
    {
    }

    public TimeSpan MaxPace => maxPace;

    /// <summary>Set and not yet taken by the loop, nor put off until <see cref="WaitingUntil"/> by the pacing.</summary>
    public bool Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending && (_now || !_pacing);
            }
        }
    }

    /// <summary>
    /// While the loop waits: when it will look again by itself (its requeue time, or the end of the interval a set
    /// waits for); null during a pass.
    /// </summary>
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

    /// <summary>Wakes the loop, but not sooner than <see cref="MaxPace"/> after the last pass began.</summary>
    public void Set() => Set(now: false);

    /// <summary>Wakes the loop at once, ending a paced wait too (a user's intent).</summary>
    public void SetNow() => Set(now: true);

    private void Set(bool now)
    {
        lock (_gate)
        {
            _pending = true;
            _now |= now;

            // A paced wait already knows it has a set to take; only one that cannot wait wakes it early.
            if (now || !_pacing)
            {
                _signal.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Returns when set (taking the set; a <see cref="Set"/> no sooner than <see cref="DutyFactor"/> times the pass
    /// that just ended, at most <see cref="MaxPace"/>, after the last return) or after <paramref name="wait"/>,
    /// whichever is first, or on cancellation. Called when a pass ends: the time since the last return is its length.
    /// </summary>
    public async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var passEnded = time.GetUtcNow();
        var until = wait == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : passEnded + wait;
        lock (_gate)
        {
            if (_lastPass != DateTimeOffset.MinValue)
            {
                var length = passEnded - _lastPass;
                _pace = length * DutyFactor < maxPace ? length * DutyFactor : maxPace;
            }
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Task signal;
                TimeSpan timeout;
                lock (_gate)
                {
                    var now = time.GetUtcNow();
                    var paceEnd = _lastPass == DateTimeOffset.MinValue ? now : _lastPass + _pace;
                    if (_now || (_pending && now >= paceEnd) || now >= until)
                    {
                        break;
                    }

                    var next = until;
                    if (_pending)
                    {
                        // Taken, but only at the interval's end: a fresh signal for what cannot wait that long.
                        _pacing = true;
                        _signal = NewSignal();
                        next = paceEnd < until ? paceEnd : until;
                    }

                    _waitingUntil = next;
                    signal = _signal.Task;
                    timeout = next == DateTimeOffset.MaxValue ? Timeout.InfiniteTimeSpan : next - now;
                }

                // Not thrown: a timeout is this wait's normal end (and shutting down is checked by the loop). Back on
                // the caller's context: the loop's next pass runs on the loop's own thread (LoopThread).
                var waited = signal.WaitAsync(timeout, time, cancellationToken);
                await waited.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
                if (waited.Exception?.InnerException is TimeoutException)
                {
                    // The interval's end or the requeue time. A timer counts whole milliseconds, so the clock may still
                    // read a moment before it: waiting again for that moment spun, a zero-length wait at a time (600
                    // thrown timeouts a second in an open gap at 1,000 identities).
                    break;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _waitingUntil = null;
                _lastPass = time.GetUtcNow();
                _pacing = false;
                _now = false;
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
