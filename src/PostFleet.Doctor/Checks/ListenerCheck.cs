using PostFleet.Spacemesh.Node;

namespace PostFleet.Doctor.Checks;

/// <summary>
/// What a listener was seen serving: the gRPC service names (from server reflection, or from probing one method per
/// expected service), or why it could not be asked.
/// </summary>
public sealed record ListenerObservation(NodeListener Listener, Uri Address, IReadOnlyList<string>? Services, string? Error = null);

/// <summary>Each listener must be reachable and serve its fixed list of services (spacemesh-node.md §1).</summary>
public static class ListenerCheck
{
    public static IReadOnlyList<string> Expected(NodeListener listener) => listener switch
    {
        NodeListener.Post => ["spacemesh.v1.PostService", "spacemesh.v1.PostInfoService"],
        NodeListener.Public => ["spacemesh.v1.MeshService", "spacemesh.v1.ActivationService", "spacemesh.v1.NodeService"],
        NodeListener.Private => ["spacemesh.v1.AdminService", "spacemesh.v1.SmesherService"],
        _ => [],
    };

    public static string Key(NodeListener listener) => listener switch
    {
        NodeListener.Post => "node.post-listener",
        NodeListener.Public => "node.public-listener",
        _ => "node.private-listener",
    };

    public static string Flag(NodeListener listener) => listener switch
    {
        NodeListener.Post => "--grpc-post-listener",
        NodeListener.Public => "--grpc-public-listener",
        _ => "--grpc-private-listener",
    };

    public static Finding Evaluate(ListenerObservation seen)
    {
        var name = seen.Listener.ToString().ToLowerInvariant();
        var subject = $"{name} listener {seen.Address}";
        if (seen.Services is null)
        {
            return Finding.Error(CheckNames.Listener, subject, $"not reachable: {seen.Error}",
                $"start the node, or set {Key(seen.Listener)} to the address of the node's {Flag(seen.Listener)}");
        }

        var missing = Expected(seen.Listener).Where(s => !seen.Services.Contains(s)).ToList();
        if (missing.Count == 0)
        {
            return Finding.Ok(CheckNames.Listener, subject, $"serves {string.Join(", ", Expected(seen.Listener).Select(Short))}");
        }

        var looksLike = LooksLike(seen.Services);
        var hint = looksLike is null || looksLike == seen.Listener ? "" : $" (it looks like the node's {looksLike.ToString()!.ToLowerInvariant()} listener)";
        var served = seen.Services.Where(s => s.StartsWith("spacemesh.", StringComparison.Ordinal)).Select(Short).ToList();
        return Finding.Error(CheckNames.Listener, subject,
            $"{string.Join(", ", missing.Select(Short))} not served here{hint}; it serves {(served.Count == 0 ? "no spacemesh service" : string.Join(", ", served))}",
            $"set {Key(seen.Listener)} to the node's {Flag(seen.Listener)} address");
    }

    /// <summary>Which listener a set of services belongs to, by its most telling service.</summary>
    public static NodeListener? LooksLike(IEnumerable<string> services)
    {
        var set = services.ToHashSet(StringComparer.Ordinal);
        return set.Contains("spacemesh.v1.PostInfoService") ? NodeListener.Post
            : set.Contains("spacemesh.v1.MeshService") ? NodeListener.Public
            : set.Contains("spacemesh.v1.SmesherService") || set.Contains("spacemesh.v1.AdminService") ? NodeListener.Private
            : null;
    }

    public static string Short(string service) => service[(service.LastIndexOf('.') + 1)..];
}
