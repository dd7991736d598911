namespace PostFleet.Core.Model;

/// <summary>
/// The last items added, up to a count, the oldest forgotten first: enough to know an item the node sends again (its
/// event stream replays its last ≤ 100 events on every subscribe) without keeping every one ever seen.
/// </summary>
public sealed class RecentSet<T>(int capacity, IEqualityComparer<T>? comparer = null)
    where T : notnull
{
    private readonly HashSet<T> _items = new(comparer);
    private readonly Queue<T> _order = new();

    /// <summary>False when the item is among the recent ones already.</summary>
    public bool Add(T item)
    {
        if (!_items.Add(item))
        {
            return false;
        }

        _order.Enqueue(item);
        if (_order.Count > capacity)
        {
            _items.Remove(_order.Dequeue());
        }

        return true;
    }
}
