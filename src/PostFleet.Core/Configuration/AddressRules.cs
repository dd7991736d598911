using System.Collections.Immutable;
using System.Net;

namespace PostFleet.Core.Configuration;

/// <summary>
/// Every address as seen from the side that uses it. The daemon dials node.post-listener and reads each service's
/// /status; a post-service dials the node and binds its operator address where it runs. On one machine these are
/// the same addresses; across machines or network namespaces (a remote Docker engine, a container on its own
/// network, a pod) a loopback address names a different host on each side, so such a combination is refused
/// here, saying which side would see what.
/// </summary>
internal static class AddressRules
{
    public static Uri? ReadNodeAddress(YamlMap map)
    {
        var text = map.String("node-address");
        if (text is null)
        {
            return null;
        }

        if (Endpoints.TryParseListener(text, out var uri, out var problem))
        {
            return uri;
        }

        map.Error("node-address", problem + " (the node's post listener as the services here reach it)");
        return null;
    }

    public static string? ReadStatusHost(YamlMap map)
    {
        var text = map.String("status-host")?.Trim();
        if (text is null)
        {
            return null;
        }

        if (text.Length == 0 || text.Any(c => char.IsWhiteSpace(c) || c is '/' or '@') || (text.Contains(':', StringComparison.Ordinal) && !IPAddress.TryParse(text.Trim('[', ']'), out _)))
        {
            map.Error("status-host", $"'{text}' is not a host; give the engine host's address or name as this machine reaches it, without port or scheme, e.g. 10.0.0.12 or host-b");
            return null;
        }

        return text;
    }

    /// <summary>
    /// Checks every disk's placement and returns, per disk, the node address its services dial and the config key it
    /// comes from (node.post-listener where nothing else is given).
    /// </summary>
    public static ImmutableDictionary<string, (Uri Address, string Key)> Check(
        RuntimeKind runtime, NodeSpec node, IReadOnlyList<DiskEntry> disks, DockerSettings? docker, KubernetesSettings? kubernetes, ErrorSink errors)
    {
        var addresses = ImmutableDictionary.CreateBuilder<string, (Uri, string)>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);

        // A node-address that did not parse would fall back to the listener here: its own error says enough.
        var badNodeAddress = errors.Errors.Any(e => e.Path.EndsWith(".node-address", StringComparison.Ordinal));

        // Disks sharing an endpoint share its addresses: say it once, at the first disk.
        void Error(string path, string message)
        {
            if (reported.Add(path))
            {
                errors.Add(path, message);
            }
        }

        foreach (var disk in disks.Where(d => d.Name is not null))
        {
            var placement = Placement.Of(runtime, disk, docker ?? DockerSettings.Default, kubernetes ?? KubernetesSettings.Default);
            var (address, path) = disk.NodeAddress is { } own ? (own, $"{disk.Path}.node-address") : placement.NodeAddress is { } placed ? (placed, placement.NodeAddressPath) : (node.PostListener, "node.post-listener");
            addresses[disk.Name!] = (address, path);

            if (placement.OwnNetwork is { } where && !badNodeAddress && Endpoints.IsLoopbackHost(address.Host))
            {
                Error(path, $"disk {disk.Name}'s services run {where}: there {address.Host}:{address.Port} is that side's own loopback, not the node the daemon reaches at {node.PostListener.Host}:{node.PostListener.Port}, so they would never connect; set {placement.Suggest(disk)} to the node's post listener as that side reaches it, e.g. http://NODE-HOST:{address.Port}");
            }

            foreach (var service in disk.Services.Where(s => s.Operator is not null))
            {
                if (placement.OperatorProblem(service.Operator!) is { } problem)
                {
                    Error($"{service.Path}.operator", problem);
                }
            }

            if (placement.StatusHostProblem() is { } status)
            {
                Error(status.Path, status.Message);
            }
        }

        return addresses.ToImmutable();
    }

    private static bool IsWildcard(IPEndPoint bind) => bind.Address.Equals(IPAddress.Any) || bind.Address.Equals(IPAddress.IPv6Any);

    /// <summary>Where one disk's services run, as far as addresses are concerned.</summary>
    private sealed record Placement(string? OwnNetwork, Uri? NodeAddress, string NodeAddressPath, Func<IPEndPoint, string?> OperatorProblem, Func<(string Path, string Message)?> StatusHostProblem, Func<DiskEntry, string> Suggest)
    {
        public static Placement Of(RuntimeKind runtime, DiskEntry disk, DockerSettings docker, KubernetesSettings kubernetes) => runtime switch
        {
            RuntimeKind.Docker => Docker(disk, docker),
            RuntimeKind.Kubernetes => Kubernetes(disk, kubernetes),
            _ => new(null, null, "node.post-listener", _ => null, () => null, d => $"{d.Path}.node-address"),
        };

        private static Placement Docker(DiskEntry disk, DockerSettings docker)
        {
            var endpoint = docker.EndpointFor(disk.Name!);
            var engine = endpoint is null ? "the local engine" : $"engine '{endpoint.Name}' ({endpoint.Address})";
            string? where = endpoint is { IsRemote: true }
                ? $"on {engine}, another machine"
                : docker.Network != "host" ? $"in containers on network '{docker.Network}' of {engine}, each with its own network namespace" : null;
            var suggest = endpoint is null ? (Func<DiskEntry, string>)(d => $"{d.Path}.node-address") : d => $"{endpoint.ConfigPath}.node-address (or {d.Path}.node-address)";
            return new(
                where,
                endpoint?.NodeAddress,
                $"{endpoint?.ConfigPath}.node-address",
                bind => where is not null && IPAddress.IsLoopback(bind.Address)
                    ? $"post-service would bind {bind} {where}, where only that side's own loopback sees it; the daemon reads /status from this machine and would reach nothing (or another service on its own {bind}); bind 0.0.0.0:{bind.Port} or that host's address"
                    : null,
                () => endpoint is { IsRemote: true, StatusHost: { } host } && Endpoints.IsLoopbackHost(host)
                    ? ($"{endpoint.ConfigPath}.status-host", $"'{host}' is this machine's loopback: the daemon would read /status of {engine}'s services from itself, not from that host; give the engine host's address as this machine reaches it")
                    : null,
                suggest);
        }

        private static Placement Kubernetes(DiskEntry disk, KubernetesSettings kubernetes)
        {
            var own = kubernetes.Disks.TryGetValue(disk.Name!, out var placement) ? placement.NodeAddress : null;
            var address = own ?? kubernetes.NodeAddress;
            var path = own is not null ? $"kubernetes.disks.{disk.Name}.node-address" : "kubernetes.node-address";
            var where = kubernetes.HostNetwork ? null : "in pods, each with its own network namespace (kubernetes.host-network is false)";
            return new(
                where,
                address,
                path,
                bind => IPAddress.IsLoopback(bind.Address)
                    ? $"post-service would bind {bind} inside its pod, where only the pod itself sees it; the daemon reads /status through the API server's pod proxy, which connects to the pod's IP; bind 0.0.0.0:{bind.Port}"
                    : !kubernetes.HostNetwork && !IsWildcard(bind)
                        ? $"a pod's IP is given by the cluster when it starts, so post-service cannot bind {bind.Address}; bind 0.0.0.0:{bind.Port}"
                        : kubernetes.StatusVia == PodStatusRoute.PodIp && !IsWildcard(bind)
                            ? $"with kubernetes.status-via: pod-ip the daemon reads /status at the pod's IP (status.podIP:{bind.Port}), the address the cluster reports, which a bind to {bind.Address} need not answer on; bind 0.0.0.0:{bind.Port}"
                            : null,
                () => null,
                d => $"kubernetes.node-address (or kubernetes.disks.{d.Name}.node-address, or {d.Path}.node-address)");
        }
    }
}
