using System.Globalization;
using System.Net;

namespace PostFleet.Core.Configuration;

/// <summary>
/// Where a service runs as far as addresses go, and how each side reaches the other: the node address the service
/// dials, and where the daemon reads its /status. <see cref="SameNetwork"/>: it shares the daemon's network namespace
/// (a process, or a host-network container of this machine's engine), so its operator port is this machine's.
/// </summary>
public sealed record ServicePlacement(string Where, bool SameNetwork, Uri NodeAddress, string StatusAddress)
{
    public static ServicePlacement Of(FleetSpec fleet, ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        var node = fleet.NodeAddressFor(service);
        switch (fleet.Runtime)
        {
            case RuntimeKind.Docker:
                var docker = fleet.Docker;
                var endpoint = docker.EndpointFor(service.Disk);
                var engine = endpoint is null ? "the local engine" : $"engine '{endpoint.Name}' ({endpoint.Address})";
                if (endpoint is { IsRemote: true })
                {
                    return new($"{engine}, another machine", false, node, OnEngine(endpoint.StatusHost, endpoint.Address.Host, service.OperatorAddress));
                }

                return docker.Network == "host"
                    ? new($"{engine}, host network", true, node, service.OperatorAddress)
                    : new($"{engine}, network '{docker.Network}'", false, node, service.OperatorAddress);
            case RuntimeKind.Kubernetes:
                var port = Endpoints.TryParseOperator(service.OperatorAddress, out var bind, out _) ? bind.Port.ToString(CultureInfo.InvariantCulture) : "?";
                return new(
                    $"pods in namespace {fleet.Kubernetes.Namespace}",
                    false,
                    node,
                    fleet.Kubernetes.StatusVia == PodStatusRoute.PodIp ? $"the pod's IP (status.podIP:{port})" : $"the API server's pod proxy (pods/POD:{port}/proxy/status)");
            default:
                return new("this machine", true, node, service.OperatorAddress);
        }
    }

    /// <summary>
    /// Where the daemon reads /status of a service on a remote engine: <paramref name="statusHost"/> if given, else the
    /// IP the service binds, else (a wildcard bind) <paramref name="engineHost"/>, the host of the engine's tcp:// address.
    /// </summary>
    public static string OnEngine(string? statusHost, string engineHost, string operatorAddress)
    {
        if (!Endpoints.TryParseOperator(operatorAddress, out var bind, out _))
        {
            return operatorAddress; // the status client reports it as an invalid address
        }

        var wildcard = bind.Address.Equals(IPAddress.Any) || bind.Address.Equals(IPAddress.IPv6Any);
        var host = statusHost ?? (wildcard ? engineHost : null);
        if (host is null)
        {
            return operatorAddress;
        }

        var port = bind.Port.ToString(CultureInfo.InvariantCulture);
        return host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
    }
}
