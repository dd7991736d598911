using PostFleet.Core.Configuration;

namespace PostFleet.Doctor.Probes.Remote;

/// <summary>A node address the services of a probe site dial, and the config key it comes from.</summary>
public sealed record ProbeNode(string Address, string Key);

/// <summary>An operator address services bind at a probe site, the config key it comes from, and where the daemon reads it.</summary>
public sealed record ProbeBind(string Service, string Bind, string Key, string ReadAt);

/// <summary>
/// One place post-services run that is not this machine's processes: a Docker engine (with the fleet's network
/// mode), or the pods of one disk (with its node selector and the fleet's host-network setting). doctor runs one
/// probe there that dials every <see cref="Nodes"/> address and binds every <see cref="Binds"/> address.
/// </summary>
public sealed record ProbeSite(string Where, string? Endpoint, string? Disk, IReadOnlyList<string> Disks, IReadOnlyList<ProbeNode> Nodes, IReadOnlyList<ProbeBind> Binds);

/// <summary>Groups a fleet's services into the sites a probe checks (pure).</summary>
public static class ProbePlan
{
    public static IReadOnlyList<ProbeSite> Sites(FleetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var disks = spec.Disks.Select((disk, index) => (disk, index)).ToList();
        var groups = spec.Runtime switch
        {
            RuntimeKind.Docker => disks.GroupBy(d => spec.Docker.EndpointFor(d.disk.Name)?.Name ?? "local", StringComparer.Ordinal).Select(g => (Endpoint: (string?)g.Key, Disk: (string?)null, Members: g.ToList())),
            RuntimeKind.Kubernetes => disks.Select(d => (Endpoint: (string?)null, Disk: (string?)d.disk.Name, Members: new List<(DiskSpec disk, int index)> { d })),
            _ => [],
        };
        return [.. groups.Select(g => Site(spec, g.Endpoint, g.Disk, g.Members))];
    }

    private static ProbeSite Site(FleetSpec spec, string? endpoint, string? disk, List<(DiskSpec Disk, int Index)> members)
    {
        var first = members[0].Disk.Services[0];
        var where = ServicePlacement.Of(spec, first).Where;
        var nodes = members
            .Select(m => new ProbeNode(spec.NodeAddressFor(m.Disk.Services[0]).ToString().TrimEnd('/'), m.Disk.NodeAddressKey))
            .DistinctBy(n => n.Address, StringComparer.Ordinal)
            .ToList();
        var binds = members
            .SelectMany(m => m.Disk.Services.Select((s, j) => new ProbeBind(s.Name, s.OperatorAddress, $"disks[{m.Index}].services[{j}].operator", ServicePlacement.Of(spec, s).StatusAddress)))
            .DistinctBy(b => b.Bind, StringComparer.Ordinal)
            .ToList();
        return new ProbeSite(disk is null ? where : $"{where}, disk {disk}", endpoint, disk, [.. members.Select(m => m.Disk.Name)], nodes, binds);
    }
}
