using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// One node's PostStates and <c>is_synced</c>, read ahead of the pass that needs them: each pass ends by asking
/// (<see cref="ReadAhead"/>), and the next pass takes that answer instead of waiting a round trip to the node (at
/// 1,000 identities on a busy host the wait was a third of a pass). A pass takes an answer read ahead only when it
/// can act on it as on one it asked for itself, else it waits for a new one as before:
/// <list type="bullet">
/// <item>it was asked for at most <see cref="FreshFor"/> ago (a pass woken after a longer wait, by the planner's
/// requeue or a user, reads the node again);</item>
/// <item>the node's event stream is the one it was asked under (<see cref="NodeEventPump.StreamMark"/>): a node
/// that restarted lists every identity IDLE while it syncs, and a pass that takes the stream's drop must see the
/// states and <c>is_synced</c> from after it, or it would read "all IDLE" as "all delivered";</item>
/// <item>it was asked after every postStart an earlier pass drained had come (<see cref="NodeEventPump.PostStarts"/>):
/// the planner takes a postStart as the node's PROVING, and an IDLE read before it would undo that a pass later
/// and count a run's hand-over as delivered before the node took the proof (the postStarts the taking pass drains
/// itself are newer than its states; the planner lets them overrule an IDLE);</item>
/// <item>it carries <c>is_synced</c> when the pass has live runs, and the node answered it.</item>
/// </list>
/// Passes never go back in time: the answer taken is always the newest asked for. A state read ahead that no pass
/// took, and that differs from the last a pass took, calls <c>changed</c>: a state that changed between passes
/// (a node that starts asking for a proof without an event) wakes the loop, paced as a node event is.
/// Thread safety: safe for concurrent use; the loop calls <see cref="TakeAsync"/> and <see cref="ReadAhead"/>.
/// </summary>
public sealed class NodeStateReader(INodeClient client, NodeEventPump events, TimeProvider time, Action? changed = null) : IDisposable
{
    /// <summary>The pacing's longest wait (<see cref="PassTrigger.DefaultMaxPace"/>): an answer read ahead serves the next woken pass, not a later one.</summary>
    public static readonly TimeSpan FreshFor = PassTrigger.DefaultMaxPace;

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopped = new();
    private Read? _newest;
    private Read? _answered;
    private NodeStates? _taken;
    private long _started;
    private int _reading;

    /// <summary>No read is on its way: every one asked for has answered (and woken the loop if it was to).</summary>
    public bool Settled
    {
        get
        {
            lock (_gate)
            {
                return _reading == 0;
            }
        }
    }

    /// <summary>The states a pass acts on: the one read ahead when it may (see the type), else a new read's.</summary>
    public async Task<NodeStates> TakeAsync(bool needSynced, CancellationToken cancellationToken)
    {
        Read read;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var mark = events.StreamMark;
            var drained = events.PostStarts.Drained;
            if (_answered is { Answer: { Error: null } answer } done && done.Serves(needSynced, mark, drained, now) && (!needSynced || answer.Synced is not null))
            {
                _taken = answer;
                return answer;
            }

            read = _newest is { Task.IsCompleted: false } newest && newest.Serves(needSynced, mark, drained, now) ? newest : Start(needSynced);
            read.Taken = true;
        }

        var states = await read.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _taken = states;
        }

        return states;
    }

    /// <summary>Asks the node now, for the next pass, unless a read is already on its way.</summary>
    public void ReadAhead(bool needSynced)
    {
        lock (_gate)
        {
            if (_newest is { Task.IsCompleted: false } newest && newest.Covers(needSynced, events.PostStarts.Drained))
            {
                return;
            }

            Start(needSynced);
        }
    }

    public void Dispose()
    {
        _stopped.Cancel();
        _stopped.Dispose();
    }

    /// <summary>Under the gate.</summary>
    private Read Start(bool needSynced)
    {
        var read = new Read(++_started, time.GetUtcNow(), events.StreamMark, events.PostStarts.Received, needSynced);
        _newest = read;
        _reading++;
        read.Task = ReadAsync(read, _stopped.Token);
        return read;
    }

    private async Task<NodeStates> ReadAsync(Read read, CancellationToken token)
    {
        // Off the caller's stack and onto the thread pool (Task.Yield would go back to the loop's own thread): a pass
        // or the loop's end never runs the node's answer parsing inline.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        var synced = read.NeedSynced ? ReadSyncedAsync(token) : Task.FromResult<bool?>(null);
        NodeStates answer;
        try
        {
            var states = await client.GetPostStatesAsync(token).ConfigureAwait(false);
            answer = new NodeStates(states.ToDictionary(s => s.Name), null, await synced.ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            answer = new NodeStates(null, ex.Message, await synced.ConfigureAwait(false));
        }

        bool wake;
        lock (_gate)
        {
            wake = !read.Taken && _taken is { } taken && !answer.SameAs(taken);
        }

        // Before the answer is in: whoever sees this reader settled sees the loop woken too.
        if (wake)
        {
            changed?.Invoke();
        }

        lock (_gate)
        {
            read.Answer = answer;
            _reading--;

            // By the order asked, not answered: a later answer to an earlier question is not newer.
            if (_answered is null || _answered.Sequence < read.Sequence)
            {
                _answered = read;
            }
        }

        return answer;
    }

    private async Task<bool?> ReadSyncedAsync(CancellationToken token)
    {
        try
        {
            return await client.IsSyncedAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>One read: when it was asked for, under which stream and after how many postStarts, whether with <c>is_synced</c>; its answer once in.</summary>
    private sealed class Read(long sequence, DateTimeOffset at, (bool ReplayRead, long Changes) mark, long postStartsReceived, bool needSynced)
    {
        public long Sequence { get; } = sequence;

        public long PostStartsReceived { get; } = postStartsReceived;

        public DateTimeOffset At { get; } = at;

        public bool NeedSynced { get; } = needSynced;

        public Task<NodeStates> Task { get; set; } = null!;

        public NodeStates? Answer { get; set; }

        /// <summary>A pass waits for (or took) it: its answer wakes nobody.</summary>
        public bool Taken { get; set; }

        /// <summary>It asks what a pass needs (is_synced when wanted) and was asked after every postStart passes drained.</summary>
        public bool Covers(bool needSynced, long postStartsDrained) => (NeedSynced || !needSynced) && PostStartsReceived >= postStartsDrained;

        public bool Serves(bool needSynced, (bool ReplayRead, long Changes) now, long postStartsDrained, DateTimeOffset at) =>
            Covers(needSynced, postStartsDrained) && mark.ReplayRead && mark == now && at - At <= FreshFor;
    }
}

/// <summary>What one read of a node said: its identities' states (null when it did not answer, and why) and is_synced when asked.</summary>
public sealed record NodeStates(IReadOnlyDictionary<string, IdentityState>? Identities, string? Error, bool? Synced)
{
    /// <summary>The same states, the same <c>is_synced</c> and the same reachability: nothing a pass would act on differently.</summary>
    public bool SameAs(NodeStates other)
    {
        ArgumentNullException.ThrowIfNull(other);
        // is_synced is only asked while runs are live: an answer without it says nothing new about it.
        if ((Error is null) != (other.Error is null) || (Synced is not null && other.Synced is not null && Synced != other.Synced))
        {
            return false;
        }

        if (Identities is null || other.Identities is null)
        {
            return Identities is null && other.Identities is null;
        }

        return Identities.Count == other.Identities.Count
            && Identities.All(p => other.Identities.TryGetValue(p.Key, out var state) && state == p.Value);
    }
}
