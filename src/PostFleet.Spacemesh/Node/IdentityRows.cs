using PostFleet.Core.Model;
using Spacemesh.V1;

namespace PostFleet.Spacemesh.Node;

/// <summary>
/// The rows of the node's last PostStates answers, kept so that an unchanged row costs a lookup, not a new name, hex
/// id and row: the daemon asks several times a second in an open gap, at 1,000 identities that was 1.5 MB/s of names
/// and hex ids made again (4% of all the daemon allocated in an open gap, measured with
/// <c>dotnet-trace --profile gc-verbose</c>). A row is reused only when its raw name and its id bytes are the ones
/// it was made from. Bounded: it starts over when it holds far more names than the node lists.
/// </summary>
/// <remarks>Thread safety: one lock; a read ahead and a pass's own read may map answers at the same time.</remarks>
internal sealed class IdentityRows
{
    private readonly Dictionary<string, Entry> _byRawName = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IdentityState Of(PostState state, Func<PostState, IdentityState> make, int listed)
    {
        lock (_gate)
        {
            var wanted = PostStatesMapping.StateOf(state);
            if (_byRawName.TryGetValue(state.Name, out var entry) && state.Id.Span.SequenceEqual(entry.Id))
            {
                return wanted == entry.Row.State ? entry.Row : entry.Other ??= entry.Row with { State = wanted };
            }

            var row = make(state);
            if (_byRawName.Count > (2 * listed) + 64)
            {
                _byRawName.Clear();
            }

            _byRawName[state.Name] = new Entry(state.Id.ToByteArray(), row);
            return row;
        }
    }

    private sealed class Entry(byte[] id, IdentityState row)
    {
        public byte[] Id { get; } = id;

        public IdentityState Row { get; } = row;

        /// <summary>The row in the other state (IDLE for a PROVING row and back), made the first time it is seen.</summary>
        public IdentityState? Other { get; set; }
    }
}
