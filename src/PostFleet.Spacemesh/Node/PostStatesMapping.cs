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
    /// </summary>
    /// <exception cref="FormatException">An id is not a 32-byte key.</exception>
    public static IReadOnlyList<IdentityState> ToIdentityStates(PostStatesResponse response) =>
        [.. response.States
            .Select(ToIdentityState)
            .OrderBy(state => state.Name, StringComparer.Ordinal)];

    private static IdentityState ToIdentityState(PostState state)
    {
        if (state.Id.Length != NodeId.Length)
        {
            throw new FormatException($"identity '{state.Name}' has a {state.Id.Length}-byte id, expected {NodeId.Length}");
        }

        var name = state.Name.EndsWith(KeySuffix, StringComparison.Ordinal) ? state.Name[..^KeySuffix.Length] : state.Name;

        // UNUSED (0) is never sent by a real node; anything but PROVING means "not needed now".
        var wanted = state.State == PostState.Types.State.Proving ? NodePostState.Proving : NodePostState.Idle;
        return new IdentityState(name, NodeId.FromBytes(state.Id.Span), wanted);
    }
}
