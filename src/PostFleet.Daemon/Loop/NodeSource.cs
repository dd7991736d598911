using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// One node the fleet serves, as the observer reads it: its gRPC client, its event pump, its states read ahead, and
/// the network clock last read from it (genesis and layer length do not change while a node is down, so the last one
/// is kept). <paramref name="statesChanged"/> is called when a state read ahead differs from the last one a pass took.
/// </summary>
public sealed class NodeSource(string name, INodeClient client, NodeEventPump events, TimeProvider time, Action? statesChanged = null)
{
    public string Name { get; } = name;

    public INodeClient Client { get; } = client;

    public NodeEventPump Events { get; } = events;

    public NodeStateReader States { get; } = new(client, events, time, statesChanged);

    internal NetworkClock? Clock { get; set; }

    internal DateTimeOffset ClockFetchedAt { get; set; }
}
