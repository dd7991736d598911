using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;

namespace PostFleet.InProcess.Tests.Fakes;

/// <summary>
/// The node as spacemesh-node.md §7 describes it toward a 1:N orchestrator: every identity turns PROVING when its
/// publish epoch's cycle gap opens (one NiPoST challenge per epoch), asks the connected service for the proof
/// (postStart), fetches it when done (postComplete, IDLE), and gives up at the proof deadline (postComplete with
/// failure, IDLE). Events go to every EventsStream subscriber, and the last 100 are replayed on subscribe. A
/// restart drops every connection and comes back with every identity IDLE until <see cref="IdleAfterRestart"/> has
/// passed, then PROVING again for the same epoch if its proof is still missing. <paramref name="world"/> is held by
/// every call and by each step of the world, so a pass never sees half a step.
/// </summary>
public sealed class FakeNode(NetworkClock clock, PoetTimings poet, IEnumerable<string> identities, Lock world) : INodeClient
{
    private const int Replayed = 100;

    private readonly NetworkTimeline _timeline = new(clock, poet);
    private readonly Lock _gate = world;
    private readonly Dictionary<string, Identity> _identities = identities.ToDictionary(n => n, n => new Identity(n, IdOf(n)));
    private readonly List<NodeEvent> _events = [];
    private readonly List<Subscriber> _subscribers = [];
    private DateTimeOffset _upAt = DateTimeOffset.MinValue;
    private DateTimeOffset _now = DateTimeOffset.MinValue;

    public bool Up { get; private set; } = true;

    /// <summary>How long identities stay IDLE after a restart before the node's ATX builder asks for proofs again.</summary>
    public TimeSpan IdleAfterRestart { get; init; } = TimeSpan.FromSeconds(5);

    public NetworkTimeline Timeline => _timeline;

    /// <summary>Publish epochs whose proof the node received, per identity.</summary>
    public IReadOnlyList<uint> Delivered(string identity)
    {
        lock (_gate)
        {
            return [.. _identities[identity].Delivered];
        }
    }

    public IReadOnlyList<NodeEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public NodePostState StateOf(string identity)
    {
        lock (_gate)
        {
            return _identities[identity].State;
        }
    }

    public static NodeId IdOf(string name) => NodeId.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    /// <summary>The node process ends: every stream and connection drops, nothing answers.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            Up = false;
            foreach (var subscriber in _subscribers)
            {
                subscriber.End();
            }
        }
    }

    /// <summary>The node is back: identities IDLE (nothing kept in memory) until the ATX builder catches up.</summary>
    public void Start(DateTimeOffset now)
    {
        lock (_gate)
        {
            Up = true;
            _upAt = now;
            foreach (var identity in _identities.Values)
            {
                identity.State = NodePostState.Idle;
                identity.Asked = null;
            }
        }
    }

    /// <summary>One step of the node: open gaps, hand requests to connected services, fetch proofs, enforce deadlines.</summary>
    public void Advance(DateTimeOffset now, IReadOnlyList<FakePostService> live, TimeSpan k2Pow)
    {
        lock (_gate)
        {
            _now = now;
            if (!Up)
            {
                foreach (var run in live)
                {
                    run.Connected = false;
                }

                return;
            }

            foreach (var run in live.Where(r => !r.Connected && now - r.StartedAt >= FakePostService.StartupDelay && now - _upAt >= FakePostService.StartupDelay))
            {
                run.Connected = true;
            }

            var gap = _timeline.ProvingCycleGap(now);
            foreach (var identity in _identities.Values)
            {
                Step(identity, gap, now, live.FirstOrDefault(r => r.Identity == identity.Name && r.Connected), k2Pow);
            }
        }
    }

    private void Step(Identity identity, CycleGapWindow gap, DateTimeOffset now, FakePostService? service, TimeSpan k2Pow)
    {
        var epoch = gap.PublishEpoch;
        if (identity.State == NodePostState.Idle)
        {
            if (now >= gap.Opens && now < gap.ProofDeadline && !identity.Delivered.Contains(epoch) && !identity.Failed.Contains(epoch) && now - _upAt >= IdleAfterRestart)
            {
                identity.State = NodePostState.Proving;
                identity.Epoch = epoch;
            }

            return;
        }

        var challenge = ChallengeOf(identity.Epoch);
        if (now >= _timeline.CycleGap(identity.Epoch).ProofDeadline)
        {
            if (identity.Asked == challenge)
            {
                Emit(new NodeEvent.PostFailed(now, identity.Id, "context deadline exceeded"));
            }

            identity.Failed.Add(identity.Epoch);
            identity.State = NodePostState.Idle;
            return;
        }

        if (service is null)
        {
            return;
        }

        if (service.HasProof(challenge))
        {
            service.Fetched();
            identity.Delivered.Add(identity.Epoch);
            identity.State = NodePostState.Idle;
            identity.Asked = null;
            Emit(new NodeEvent.PostCompleted(now, identity.Id, challenge));
            return;
        }

        if (identity.Asked != challenge || service.Challenge != challenge)
        {
            identity.Asked = challenge;
            service.Prove(challenge, now, k2Pow);
            Emit(new NodeEvent.PostStarted(now, identity.Id, challenge));
        }
    }

    private static string ChallengeOf(uint epoch) => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(epoch)));

    private void Emit(NodeEvent e)
    {
        _events.Add(e);
        foreach (var subscriber in _subscribers)
        {
            subscriber.Add(e);
        }
    }

    /// <summary>True when every open stream has handed over all its events and waits for the next one.</summary>
    public bool StreamsSettled()
    {
        lock (_gate)
        {
            return _subscribers.All(s => s.Parked);
        }
    }

    public Task<IReadOnlyList<IdentityState>> GetPostStatesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            return Task.FromResult<IReadOnlyList<IdentityState>>([.. _identities.Values.OrderBy(i => i.Name, StringComparer.Ordinal).Select(i => new IdentityState(i.Name, i.Id, i.State))]);
        }
    }

    public Task<NetworkClock> GetNetworkClockAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            return Task.FromResult(clock);
        }
    }

    public Task<byte[]> GetHighestAtxIdAsync(CancellationToken cancellationToken) => Task.FromResult(new byte[32]);

    public Task<NodeHealth> GetHealthAsync(CancellationToken cancellationToken) => Task.FromResult(new NodeHealth(true, 0, 0, "fake"));

    /// <summary>A (re)started node syncs for <see cref="IdleAfterRestart"/> before its ATX builder asks again.</summary>
    public Task<bool> IsSyncedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            return Task.FromResult(_now - _upAt >= IdleAfterRestart);
        }
    }

    public async IAsyncEnumerable<NodeEvent> StreamEventsAsync(Action subscribed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Subscriber subscriber;
        lock (_gate)
        {
            ThrowIfDown();
            subscriber = new Subscriber();
            foreach (var e in _events.TakeLast(Replayed))
            {
                subscriber.Add(e);
            }

            _subscribers.Add(subscriber);
        }

        subscribed();

        try
        {
            while (true)
            {
                var next = await subscriber.NextAsync(cancellationToken);
                if (next is null)
                {
                    throw new InvalidOperationException("the node closed the stream (Unavailable)");
                }

                yield return next;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(subscriber);
            }
        }
    }

    private void ThrowIfDown()
    {
        if (!Up)
        {
            throw new InvalidOperationException("the node does not answer (connection refused)");
        }
    }

    private sealed class Identity(string name, NodeId id)
    {
        public string Name { get; } = name;

        public NodeId Id { get; } = id;

        public NodePostState State { get; set; }

        public uint Epoch { get; set; }

        public string? Asked { get; set; }

        public HashSet<uint> Delivered { get; } = [];

        public HashSet<uint> Failed { get; } = [];
    }

    /// <summary>One EventsStream: a queue, and whether its reader waits on it with nothing left to take.</summary>
    private sealed class Subscriber
    {
        private readonly Lock _gate = new();
        private readonly Queue<NodeEvent> _queue = new();
        private TaskCompletionSource _more = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _ended;
        private bool _waiting;

        public bool Parked
        {
            get
            {
                lock (_gate)
                {
                    return _waiting && _queue.Count == 0;
                }
            }
        }

        public void Add(NodeEvent e)
        {
            lock (_gate)
            {
                _queue.Enqueue(e);
                _more.TrySetResult();
            }
        }

        public void End()
        {
            lock (_gate)
            {
                _ended = true;
                _more.TrySetResult();
            }
        }

        /// <summary>The next event, or null once the stream has ended.</summary>
        public async Task<NodeEvent?> NextAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                Task more;
                lock (_gate)
                {
                    if (_queue.TryDequeue(out var e))
                    {
                        _waiting = false;
                        return e;
                    }

                    if (_ended)
                    {
                        _waiting = false;
                        return null;
                    }

                    _more = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    more = _more.Task;
                    _waiting = true;
                }

                await more.WaitAsync(cancellationToken);
            }
        }
    }
}
