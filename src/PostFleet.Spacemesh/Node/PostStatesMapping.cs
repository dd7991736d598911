using PostFleet.Core.Model;
using Spacemesh.V1;

namespace PostFleet.Spacemesh.Node;

/// <summary>PostInfoService.PostStates as the core wants it (spacemesh-node.md §3).</summary>
internal static class PostStatesMapping
{
    private const string KeySuffix = ".key";

    /// <summary>
    /// Names lose their ".key" (the node reports key file names, the fleet names services without it) and rows are
    /// sorted by name, because the node builds the list from a Go map and its order changes on every call.
    /// A row the core cannot act on safely is left out, so its identity counts as "not listed" (never started, never
    /// stopped): a state other than IDLE or PROVING (UNUSED, which the node sends for a state its own table lacks,
    /// or a value from a newer API) and an empty name. Taking either as IDLE would stop a service that may be proving.
    /// </summary>
    /// <exception cref="FormatException">An id is not a 32-byte key, or one identity is listed twice with different facts.</exception>
    /// <param name="known">Rows made from earlier answers, reused when a row has not changed (none: every row is made).</param>
    public static IReadOnlyList<IdentityState> ToIdentityStates(PostStatesResponse response, IdentityRows? known = null)
    {
        // One walk with two maps: this runs on every answer (at 1,000 identities several a second in an open gap, where
        // Distinct, a sort and two GroupBy over every row were 3% of the daemon's CPU). A repeated row (the same
        // facts) counts once; a row that differs from its name's first is kept aside to name the conflict.
        var byName = new Dictionary<string, IdentityState>(response.States.Count, StringComparer.Ordinal);
        var ids = new HashSet<NodeId>(response.States.Count);
        List<IdentityState>? clashes = null;
        var idClash = false;
        foreach (var state in response.States)
        {
            if (state.State is not (PostState.Types.State.Idle or PostState.Types.State.Proving))
            {
                continue;
            }

            var row = known is null ? ToIdentityState(state) : known.Of(state, ToIdentityState, response.States.Count);
            if (row.Name.Length == 0)
            {
                continue;
            }

            if (byName.TryGetValue(row.Name, out var first))
            {
                if (first != row)
                {
                    (clashes ??= []).Add(row);
                }

                continue;
            }

            byName.Add(row.Name, row);
            idClash |= !ids.Add(row.Id);
        }

        var rows = byName.Values.ToList();
        rows.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        // The node lists each identity once (its map is keyed by id); two rows for one name or one id mean the answer
        // cannot be trusted as a whole, and the loop then holds everything as if the node did not answer.
        if (clashes is not null)
        {
            var name = clashes.Select(r => r.Name).Min(StringComparer.Ordinal)!;
            throw new FormatException($"identity '{name}' is listed {1 + clashes.Where(r => r.Name == name).Distinct().Count()} times with different ids or states");
        }

        if (idClash && rows.GroupBy(r => r.Id).First(g => g.Count() > 1) is var id)
        {
            throw new FormatException($"identities {string.Join(", ", id.Select(r => $"'{r.Name}'"))} have the same id {id.Key}");
        }

        return rows;
    }

    private static IdentityState ToIdentityState(PostState state)
    {
        if (state.Id.Length != NodeId.Length)
        {
            throw new FormatException($"identity '{state.Name}' has a {state.Id.Length}-byte id, expected {NodeId.Length}");
        }

        var name = state.Name.EndsWith(KeySuffix, StringComparison.Ordinal) ? state.Name[..^KeySuffix.Length] : state.Name;
        return new IdentityState(name, NodeId.FromBytes(state.Id.Span), StateOf(state));
    }

    /// <summary>The core's state of a row already known to be IDLE or PROVING.</summary>
    internal static NodePostState StateOf(PostState state) =>
        state.State == PostState.Types.State.Proving ? NodePostState.Proving : NodePostState.Idle;
}
