using System.Net;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace PostFleet.Simulator.Node;

/// <summary>A gRPC listener of the node and the fixed list of services it serves (fact sheet §1).</summary>
public interface IListenerKind
{
    static abstract string Name { get; }

    static abstract IReadOnlyList<ServiceDescriptor> Services { get; }
}

public sealed class PublicListener : IListenerKind
{
    public static string Name => "public";

    public static IReadOnlyList<ServiceDescriptor> Services =>
    [
        Spacemesh.V1.ActivationService.Descriptor, Spacemesh.V1.MeshService.Descriptor, Spacemesh.V1.NodeService.Descriptor,
        Spacemesh.V2Alpha1.NetworkService.Descriptor,
    ];
}

public sealed class PrivateListener : IListenerKind
{
    public static string Name => "private";

    public static IReadOnlyList<ServiceDescriptor> Services => [Spacemesh.V1.AdminService.Descriptor, Spacemesh.V1.SmesherService.Descriptor];
}

public sealed class PostListener : IListenerKind
{
    public static string Name => "post";

    public static IReadOnlyList<ServiceDescriptor> Services => [Spacemesh.V1.PostService.Descriptor, Spacemesh.V1.PostInfoService.Descriptor];
}

/// <summary>
/// The mTLS listener (`grpc-tls-listener`). It serves the default `grpc-tls-services` (post, postInfo): the
/// same endpoints, backed by the same singletons, as the post listener.
/// </summary>
public static class TlsListener
{
    public const string Name = "tls";
}

/// <summary>The JSON gateway (HTTP/1.1) for the public services.</summary>
public static class JsonListener
{
    public const string Name = "json";
}

/// <summary>Endpoint metadata: this endpoint answers only on the named listener.</summary>
public sealed record ListenerScope(string Listener);

/// <summary>
/// Which listener a connection came in on, by local port. Ports are read from Kestrel's listen options after
/// binding, so `:0` listeners resolve to their real port.
/// </summary>
public sealed class ListenerDirectory
{
    private readonly List<(string Name, string Serves, ListenOptions Options)> _listeners = [];

    /// <summary><paramref name="serves"/>: the listener whose services this one answers (default: its own).</summary>
    public void Add(string name, ListenOptions options, string? serves = null) => _listeners.Add((name, serves ?? name, options));

    /// <summary>The listener whose service set answers on this port (the TLS listener answers as "post").</summary>
    public string? NameOf(int localPort) =>
        _listeners.FirstOrDefault(l => l.Options.IPEndPoint?.Port == localPort).Serves;

    public IPEndPoint? BoundEndPoint(string name) =>
        _listeners.FirstOrDefault(l => l.Name == name).Options?.IPEndPoint;

    /// <summary>"host:port" as the node accepts it; "localhost" means loopback.</summary>
    public static IPEndPoint Parse(string flag, string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new StartupException($"invalid {flag} \"{address}\": expected host:port");
        }

        var host = address[..colon].Trim('[', ']');
        if (host.Length == 0)
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        if (host == "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPAddress.TryParse(host, out var ip)
            ? new IPEndPoint(ip, port)
            : throw new StartupException($"invalid {flag} \"{address}\": host must be an IP address or localhost");
    }
}
