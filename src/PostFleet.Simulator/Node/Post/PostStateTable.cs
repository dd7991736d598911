using System.Text.Json.Nodes;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>
/// PostInfoService's view: IDLE / PROVING per registered identity. Every change is written to the record so
/// tests can see the exact transitions, not only sampled states.
/// </summary>
public sealed class PostStateTable(SimRecord record)
{
    private readonly Dictionary<NodeIdentity, PostState.Types.State> _states = [];
    private readonly Lock _gate = new();

    /// <summary>Registers an identity as IDLE (remote setup: all of them at start-up).</summary>
    public void Register(NodeIdentity identity) => Set(identity, PostState.Types.State.Idle);

    public void Set(NodeIdentity identity, PostState.Types.State state)
    {
        PostState.Types.State? from;
        lock (_gate)
        {
            from = _states.TryGetValue(identity, out var old) ? old : null;
            if (from == state)
            {
                return;
            }

            _states[identity] = state;
        }

        record.Write("state", identity, new JsonObject { ["from"] = from is null ? null : Name(from.Value), ["to"] = Name(state) });
    }

    public PostState.Types.State? Get(NodeIdentity identity)
    {
        lock (_gate)
        {
            return _states.TryGetValue(identity, out var s) ? s : null;
        }
    }

    public IReadOnlyList<PostState> Snapshot()
    {
        lock (_gate)
        {
            return [.. _states.Select(kv => new PostState { Id = Google.Protobuf.ByteString.CopyFrom(kv.Key.NodeId), State = kv.Value, Name = kv.Key.FileName })];
        }
    }

    private static string Name(PostState.Types.State state) => state switch
    {
        PostState.Types.State.Idle => "IDLE",
        PostState.Types.State.Proving => "PROVING",
        _ => "UNUSED",
    };
}
