using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.Loop;
using PostFleet.Testing;

namespace PostFleet.InProcess.Tests;

/// <summary>
/// The node's states read ahead, on fake time: a pass takes them only when it could act on them as on its own read
/// (fresh, under the same event stream, with is_synced when it has live runs); otherwise it reads the node again.
/// </summary>
public sealed class NodeStateReaderTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly ScriptedNode _node = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly NodeEventPump _pump;
    private readonly Task _pumping;
    private int _changes;

    public NodeStateReaderTests()
    {
        _pump = new NodeEventPump(_node, _time, NullLogger.Instance, () => { });
        _pumping = _pump.RunAsync(_stop.Token);
        Reader = new NodeStateReader(_node, _pump, _time, () => Interlocked.Increment(ref _changes));
    }

    private NodeStateReader Reader { get; }

    public async ValueTask DisposeAsync()
    {
        Reader.Dispose();
        await _stop.CancelAsync();
        await _pumping;
        _stop.Dispose();
    }

    [Fact]
    public async Task A_pass_takes_the_fresh_answer_read_ahead_and_reads_again_once_it_is_older_than_a_pace()
    {
        await ReplayReadAsync();
        _node.State = NodePostState.Proving;
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => _node.StateReads == 1 && Reader.Settled, "the read ahead");

        // The node changed since: a pass within the pace acts on what was read ahead (one pass later at worst).
        _node.State = NodePostState.Idle;
        var taken = await Reader.TakeAsync(needSynced: false, CancellationToken.None);
        Assert.Equal(NodePostState.Proving, taken.Identities!["a1.key"].State);
        Assert.Equal(1, _node.StateReads);

        // A pass woken after a longer wait (the planner's requeue, a user) reads the node itself.
        _time.Advance(NodeStateReader.FreshFor + TimeSpan.FromMilliseconds(1));
        taken = await Reader.TakeAsync(needSynced: false, CancellationToken.None);
        Assert.Equal(NodePostState.Idle, taken.Identities!["a1.key"].State);
        Assert.Equal(2, _node.StateReads);
    }

    [Fact]
    public async Task After_the_event_stream_dropped_a_pass_never_acts_on_states_read_before_the_drop()
    {
        await ReplayReadAsync();
        _node.State = NodePostState.Proving;
        Reader.ReadAhead(needSynced: true);
        await Eventually.UntilAsync(() => Reader.Settled, "the read ahead");

        // The node restarts: its stream drops, and it lists every identity IDLE while it syncs.
        _node.State = NodePostState.Idle;
        _node.Synced = false;
        _node.DropStream();
        await Eventually.UntilAsync(() => !_pump.Connected, "the pump to see the drop");

        Assert.True(_pump.TakeDropped());
        var taken = await Reader.TakeAsync(needSynced: true, CancellationToken.None);
        Assert.Equal((NodePostState.Idle, false), (taken.Identities!["a1.key"].State, taken.Synced));
        Assert.Equal(2, _node.StateReads);
    }

    [Fact]
    public async Task A_pass_with_live_runs_reads_is_synced_even_when_the_answer_read_ahead_has_none()
    {
        await ReplayReadAsync();
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => Reader.Settled, "the read ahead");
        Assert.Equal(0, _node.SyncedReads);

        var taken = await Reader.TakeAsync(needSynced: true, CancellationToken.None);
        Assert.True(taken.Synced);
        Assert.Equal((2, 1), (_node.StateReads, _node.SyncedReads));
    }

    [Fact]
    public async Task Before_the_replay_is_read_every_pass_reads_the_node_itself()
    {
        // No replay read yet (the stream has not been quiet long enough): an answer read ahead is not taken.
        await Eventually.UntilAsync(() => _node.Subscribed, "the pump to subscribe");
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => Reader.Settled, "the read ahead");

        await Reader.TakeAsync(needSynced: false, CancellationToken.None);
        Assert.Equal(2, _node.StateReads);
    }

    [Fact]
    public async Task A_pass_waits_for_the_read_on_its_way_instead_of_asking_twice()
    {
        await ReplayReadAsync();
        var held = _node.Hold();
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => _node.StateReads == 1, "the read ahead to reach the node");

        var taking = Reader.TakeAsync(needSynced: false, CancellationToken.None);
        Assert.False(taking.IsCompleted);
        _node.State = NodePostState.Proving;
        held.SetResult();

        Assert.Equal(NodePostState.Proving, (await taking).Identities!["a1.key"].State);
        Assert.Equal(1, _node.StateReads);
        Assert.Equal(0, _changes);
    }

    [Fact]
    public async Task A_node_that_did_not_answer_is_asked_again_by_the_next_pass()
    {
        await ReplayReadAsync();
        _node.Failing = true;
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => Reader.Settled, "the read ahead");

        _node.Failing = false;
        var taken = await Reader.TakeAsync(needSynced: false, CancellationToken.None);
        Assert.Null(taken.Error);
        Assert.Equal(2, _node.StateReads);
    }

    [Fact]
    public async Task States_read_ahead_that_differ_from_the_last_a_pass_took_wake_the_loop_and_the_same_ones_do_not()
    {
        await ReplayReadAsync();
        await Reader.TakeAsync(needSynced: false, CancellationToken.None);

        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => Reader.Settled, "the first read ahead");
        Assert.Equal(0, _changes);

        // A node that starts asking for a proof says so in PostStates alone (postStart needs a connected service).
        _node.State = NodePostState.Proving;
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => _changes == 1, "the changed states to wake the loop");
    }

    /// <summary>
    /// A pass that drained a postStart takes it as the node's PROVING; a later pass must not take states asked for
    /// before that postStart came, or their IDLE would undo it (and a run's hand-over would count as delivered before
    /// the node took the proof). Here the read on its way when that pass ended was asked before the postStart.
    /// </summary>
    [Fact]
    public async Task States_asked_before_a_postStart_an_earlier_pass_drained_do_not_serve_a_later_pass()
    {
        await ReplayReadAsync();
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => Reader.Settled, "the first read ahead");

        // Pass N takes that answer (IDLE) while the next read (still IDLE at the node) is on its way.
        var before = _node.Hold();
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => _node.StateReads == 2, "the second read to reach the node");
        Assert.Equal(NodePostState.Idle, (await Reader.TakeAsync(needSynced: false, CancellationToken.None)).Identities!["a1.key"].State);

        // The node asks for a proof: its postStart comes and pass N drains it, with the replayed one.
        _node.Send(new NodeEvent.PostStarted(Start.AddSeconds(5), NodeId.FromBytes(new byte[32]), new string('1', 64)));
        await Eventually.UntilAsync(() => _pump.PostStarts.Received == 2, "the pump to receive the postStart");
        Assert.Equal(2, _pump.Drain().Count);

        // Pass N ends and reads ahead: the read on its way was asked before that postStart, so another is asked.
        var after = _node.Hold();
        Reader.ReadAhead(needSynced: false);
        await Eventually.UntilAsync(() => _node.StateReads == 3, "a read asked after the postStart");
        before.SetResult();
        await Eventually.UntilAsync(() => _node.Answers == 2, "the read asked before the postStart to answer (IDLE), after the first");
        _node.State = NodePostState.Proving;
        after.SetResult();

        // Pass N+1 acts on the states from after the postStart.
        var taken = await Reader.TakeAsync(needSynced: false, CancellationToken.None);
        Assert.Equal(NodePostState.Proving, taken.Identities!["a1.key"].State);
        Assert.Equal(3, _node.StateReads);
    }

    /// <summary>The pump subscribed and, after its quiet time, marked the replay read: answers may be read ahead.</summary>
    private async Task ReplayReadAsync()
    {
        await Eventually.UntilAsync(() => _node.Subscribed && _pump.Connected, "the pump to subscribe and read the replay's event");
        await Eventually.UntilAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
                return _pump.ReplayRead;
            },
            "the replay to be read");
    }

    /// <summary>
    /// One identity, its state and is_synced as set, reads counted, one replayed event and those the test sends, a
    /// stream the test can drop.
    /// </summary>
    private sealed class ScriptedNode : INodeClient
    {
        private readonly TaskCompletionSource _streamEnd = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Channel<NodeEvent> _live = Channel.CreateUnbounded<NodeEvent>();
        private TaskCompletionSource? _held;
        private int _stateReads;
        private int _syncedReads;
        private int _answers;

        public volatile NodePostState State = NodePostState.Idle;
        public volatile bool Synced = true;
        public volatile bool Failing;
        public volatile bool Subscribed;

        public int StateReads => Volatile.Read(ref _stateReads);

        public int SyncedReads => Volatile.Read(ref _syncedReads);

        /// <summary>PostStates reads that have answered.</summary>
        public int Answers => Volatile.Read(ref _answers);

        public void Send(NodeEvent e) => _live.Writer.TryWrite(e);

        public TaskCompletionSource Hold() => _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void DropStream() => _streamEnd.TrySetResult();

        public async Task<IReadOnlyList<IdentityState>> GetPostStatesAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _stateReads);
            if (_held is { } held)
            {
                await held.Task.WaitAsync(cancellationToken);
            }

            var answer = Failing ? throw new IOException("connection refused") : new IdentityState("a1.key", NodeId.FromBytes(new byte[32]), State);
            Interlocked.Increment(ref _answers);
            return [answer];
        }

        public Task<bool> IsSyncedAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _syncedReads);
            return Task.FromResult(Synced);
        }

        public async IAsyncEnumerable<NodeEvent> StreamEventsAsync(Action subscribed, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (_streamEnd.Task.IsCompleted)
            {
                // Down after the drop: the pump backs off and tries again.
                throw new IOException("connection refused");
            }

            subscribed();
            Subscribed = true;
            yield return new NodeEvent.PostStarted(Start, NodeId.FromBytes(new byte[32]), new string('0', 64));
            while (true)
            {
                var next = _live.Reader.ReadAsync(cancellationToken).AsTask();
                if (await Task.WhenAny(next, _streamEnd.Task.WaitAsync(cancellationToken)) != next)
                {
                    await _streamEnd.Task.WaitAsync(cancellationToken);
                    yield break;
                }

                yield return await next;
            }
        }

        public Task<NetworkClock> GetNetworkClockAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<byte[]> GetHighestAtxIdAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<NodeHealth> GetHealthAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
