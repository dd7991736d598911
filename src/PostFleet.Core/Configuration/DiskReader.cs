using System.Collections.Immutable;
using System.Net;

namespace PostFleet.Core.Configuration;

/// <summary>A service as read, with the config paths the cross-service rules need for their messages.</summary>
internal sealed record ServiceEntry(
    string Path,
    string Disk,
    int OrderOnDisk,
    string? Name,
    string? DataDir,
    uint? NumUnits,
    IPEndPoint? Operator,
    ImmutableArray<(string Name, string Path)> After)
{
    /// <summary><c>services[].node</c>: the node this identity belongs to, when it differs from its disk's.</summary>
    public string? Node { get; init; }
}

internal sealed record DiskEntry(string Path, string? Name, ImmutableArray<ServiceEntry> Services, DiskTls? Tls)
{
    /// <summary><c>disks[].node-address</c>: the node's post listener as this disk's services dial it.</summary>
    public Uri? NodeAddress { get; init; }
    /// <summary><c>disks[].host</c>: the machine the disk is in (a label the dashboard groups by); null when not given.</summary>
    public string? Host { get; init; }

    /// <summary><c>disks[].node</c>: the node its services belong to unless one names its own; null: the first node.</summary>
    public string? Node { get; init; }
}

/// <summary><c>disks[].tls</c>: what differs from node.tls for the services of this disk (paths as seen where they run).</summary>
internal sealed record DiskTls(string Path, string? CaCert, string? Cert, string? Key, string? Domain)
{
    public TlsSpec Over(TlsSpec node) => new(CaCert ?? node.CaCert, Cert ?? node.Cert, Key ?? node.Key, Domain ?? node.Domain);
}

/// <summary>Reads <c>disks[].services[]</c>, checking each service on its own; cross-service rules are in <see cref="TopologyRules"/>.</summary>
internal static class DiskReader
{
    public static ImmutableArray<DiskEntry> Read(YamlMap root, PathResolver paths, PostSettings post, ErrorSink errors)
    {
        var disks = root.List("disks", "list the disks, each with its services (see examples/demo/postfleet.yaml)");
        if (disks is null)
        {
            return [];
        }

        if (disks.Count == 0)
        {
            root.Error("disks", "is empty; add at least one disk with one service");
        }

        return [.. disks.Select((node, i) => ReadDisk(YamlMap.Open(node, $"disks[{i}]", errors, ConfigKeys.Disk), i, paths, post, errors))];
    }

    private static DiskEntry ReadDisk(YamlMap disk, int index, PathResolver paths, PostSettings post, ErrorSink errors)
    {
        var name = disk.String("name", "name the physical disk, e.g. diskA (services on one disk share its read bandwidth)");
        if (name is not null && NameRules.DiskNameProblem(name) is { } problem)
        {
            disk.Error("name", problem);
        }

        var diskName = name ?? $"disk{index}";
        var services = disk.List("services", "list the services (one per identity) whose PoST data is on this disk");
        if (services is { Count: 0 })
        {
            disk.Error("services", "is empty; list at least one service, or remove the disk");
        }

        return new DiskEntry(
            disk.Path,
            name,
            [.. (services ?? []).Select((node, i) => ReadService(YamlMap.Open(node, $"{disk.Path}.services[{i}]", errors, ConfigKeys.Service), diskName, i, paths, post))],
            ReadTls(disk, paths))
        {
            NodeAddress = AddressRules.ReadNodeAddress(disk),
            Host = ReadHost(disk),
            Node = disk.String("node"),
        };
    }

    private static string? ReadHost(YamlMap disk)
    {
        // Optional: a fleet on one machine needs no host.
        var host = disk.String("host");
        if (host is not null && NameRules.DiskNameProblem(host) is { } problem)
        {
            disk.Error("host", problem.Replace("disk", "host", StringComparison.Ordinal));
        }

        return host;
    }

    private static DiskTls? ReadTls(YamlMap disk, PathResolver paths)
    {
        var tls = disk.Map("tls", ConfigKeys.Tls);
        if (!tls.IsPresent)
        {
            return null;
        }

        string? File(string key) => tls.String(key) is { } path ? paths.Resolve(path) : null;
        var result = new DiskTls(disk.KeyPath("tls"), File("ca-cert"), File("cert"), File("key"), tls.String("domain"));
        if (result is { CaCert: null, Cert: null, Key: null, Domain: null })
        {
            disk.Error("tls", "is empty; give what differs from node.tls for this disk's host (ca-cert, cert, key or domain), or remove it");
        }
        else if ((result.Cert is null) != (result.Key is null))
        {
            tls.Error(result.Cert is null ? "cert" : "key", "cert and key go together (a client certificate and its key); give both, or neither to use node.tls's pair");
        }

        return result;
    }

    private static ServiceEntry ReadService(YamlMap service, string disk, int order, PathResolver paths, PostSettings post)
    {
        var name = service.String("name", "set it to the identity's key file name without .key, e.g. diskA_post1");
        if (name is not null && NameRules.ServiceNameProblem(name) is { } problem)
        {
            service.Error("name", problem);
        }

        var dir = service.String("dir", "set it to the identity's PoST data folder, e.g. ../post/" + (name ?? "diskA_post1"));

        var units = (uint?)service.Integer("num-units", 1, uint.MaxValue, "set it to the number of units the data was initialised with (postcli -numUnits)");
        if (units is { } u && post.MinNumUnits <= post.MaxNumUnits && (u < post.MinNumUnits || u > post.MaxNumUnits))
        {
            service.Error("num-units", $"{u} is outside post.min-num-units..post.max-num-units ({post.MinNumUnits}..{post.MaxNumUnits}); post-service would exit at start. Fix num-units or widen the range");
        }

        IPEndPoint? endpoint = null;
        var operatorText = service.String("operator", "give each service its own operator address, e.g. 127.0.0.1:10051 (PostFleet reads its progress from GET /status)");
        if (operatorText is not null && !Endpoints.TryParseOperator(operatorText, out endpoint, out var operatorProblem))
        {
            service.Error("operator", operatorProblem);
        }

        var after = new List<(string, string)>();
        var items = service.List("after") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{service.KeyPath("after")}[{i}]";
            if (items[i] is YamlDotNet.RepresentationModel.YamlScalarNode { Value: { Length: > 0 } dependency })
            {
                after.Add((dependency.Trim(), path));
            }
            else
            {
                service.Error($"after[{i}]", $"expected a service name, got {YamlMap.Describe(items[i])}");
            }
        }

        return new ServiceEntry(service.Path, disk, order, name, dir is null ? null : paths.Resolve(dir), units, endpoint, [.. after]) { Node = service.String("node") };
    }
}
