namespace PostFleet.Storage;

/// <summary>
/// The keys of the rows written last, up to a count, oldest forgotten first: enough to know a row the node sends again
/// (its event stream replays its last ≤ 100 events on every subscribe) without keeping every row ever written.
/// </summary>
internal sealed class RecentKeys
{
    /// <summary>Ten times the node's replay: a replay is always within it, even after a burst of events.</summary>
    public const int NodeEventsKept = 1000;

    private readonly int _capacity;
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public RecentKeys(int capacity, IEnumerable<string> oldestFirst)
    {
        _capacity = capacity;
        foreach (var key in oldestFirst)
        {
            Add(key);
        }
    }

    /// <summary>A node event's identity: its time, kind, smesher and detail, as stored.</summary>
    public static string NodeEvent(string at, string kind, string? smesher, string detail) => string.Join('\n', at, kind, smesher ?? "", detail);

    /// <summary>False when the key is among the recent ones already.</summary>
    public bool Add(string key)
    {
        if (!_keys.Add(key))
        {
            return false;
        }

        _order.Enqueue(key);
        if (_order.Count > _capacity)
        {
            _keys.Remove(_order.Dequeue());
        }

        return true;
    }
}
