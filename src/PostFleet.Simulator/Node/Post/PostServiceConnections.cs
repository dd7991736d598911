using System.Collections.Concurrent;

namespace PostFleet.Simulator.Node;

/// <summary>The node's map node_id → connection: at most one post-service per node id.</summary>
public sealed class PostServiceConnections
{
    private readonly ConcurrentDictionary<string, PostServiceConnection> _byNodeId = new(StringComparer.Ordinal);

    public bool TryAdd(PostServiceConnection connection) => _byNodeId.TryAdd(connection.NodeIdHex, connection);

    /// <summary>Removes this very connection (not a newer one registered under the same id).</summary>
    public void Remove(PostServiceConnection connection) =>
        _byNodeId.TryRemove(new KeyValuePair<string, PostServiceConnection>(connection.NodeIdHex, connection));

    public PostServiceConnection? Find(string nodeIdHex) => _byNodeId.GetValueOrDefault(nodeIdHex);
}
