using System.Threading.Channels;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>
/// The node's user-event bus behind AdminService.EventsStream: a ring of the last 100 events replayed to every
/// new subscriber, then live events. A subscriber more than 1000 events behind is dropped, like the node.
/// </summary>
public sealed class NodeEvents
{
    public const int ReplayCapacity = 100;
    public const int SubscriberBuffer = 1000;

    private readonly Queue<Event> _recent = new();
    private readonly List<Channel<Event>> _subscribers = [];
    private readonly Lock _gate = new();

    public void Emit(Event e)
    {
        lock (_gate)
        {
            _recent.Enqueue(e);
            if (_recent.Count > ReplayCapacity)
            {
                _recent.Dequeue();
            }

            foreach (var subscriber in _subscribers)
            {
                if (!subscriber.Writer.TryWrite(e))
                {
                    subscriber.Writer.TryComplete(new BufferFullException());
                }
            }
        }
    }

    /// <summary>Atomically snapshots the replay ring and joins the live stream, so no event is lost or doubled.</summary>
    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<Event>(new BoundedChannelOptions(SubscriberBuffer + ReplayCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_gate)
        {
            foreach (var e in _recent)
            {
                channel.Writer.TryWrite(e);
            }

            _subscribers.Add(channel);
        }

        return new Subscription(this, channel);
    }

    private void Unsubscribe(Channel<Event> channel)
    {
        lock (_gate)
        {
            _subscribers.Remove(channel);
        }
    }

    public sealed class Subscription(NodeEvents owner, Channel<Event> channel) : IDisposable
    {
        public ChannelReader<Event> Reader => channel.Reader;

        public void Dispose() => owner.Unsubscribe(channel);
    }

    public sealed class BufferFullException() : Exception("buffer is full");
}
