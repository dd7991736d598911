using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace PostFleet.Bench;

/// <summary>One identity: its PoST data (units) on one disk.</summary>
public sealed record IdentitySpec(string Name, int Index, int Host, int Disk, uint Units, double? K2PowHashes = null);

/// <summary>A physical disk: sequential read bandwidth (bytes/s) and the seek penalty p when n read at once.</summary>
public sealed record DiskModel(string Name, int Index, int Host, double Bandwidth, double Penalty);

/// <summary>A machine: cores and RandomX hash rate per core, threads one k2pow uses, and the CPU cap of one reader.</summary>
public sealed record HostModel(string Name, int Index, int Cores, double HashRatePerCore, int PowThreads, double ScanRate);

/// <summary>Optional pool of remote k2pow-service workers shared by every host (one job per worker at a time).</summary>
public sealed record RemoteK2Pow(int Workers, double HashRate);

/// <summary>
/// A fleet to schedule, in the units of the model: bytes, hashes, seconds. See docs/scheduling.md for the YAML.
/// Config order (what psm and sm-psm walk) is the order of <see cref="Identities"/>: hosts, disks, identities as written.
/// </summary>
public sealed record Topology(
    string Name,
    TimeSpan CycleGap,
    int Nonces,
    double BytesPerUnit,
    double HashesPerUnitGroup,
    RemoteK2Pow? Remote,
    ImmutableArray<HostModel> Hosts,
    ImmutableArray<DiskModel> Disks,
    ImmutableArray<IdentitySpec> Identities)
{
    /// <summary>
    /// From the gap's opening to the proof deadline (the end of the publish epoch, spacemesh-node.md §7); default
    /// the cycle gap plus mainnet's epoch minus phase shift (14 d − 240 h = 96 h).
    /// </summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromHours(108);

    /// <summary>Seconds from a post-service's start to its first k2pow (drawn in this range with <see cref="Uncertainty"/>).</summary>
    public (double Low, double High) StartupRange { get; init; } = (60, 120);

    /// <summary>Static chains of the demo's proving DAG (identity → the identity it starts after), when given.</summary>
    public ImmutableDictionary<string, ImmutableArray<string>> Chains { get; init; } = ImmutableDictionary<string, ImmutableArray<string>>.Empty;

    /// <summary>RandomX hashes of one pass of k2pow: units × 4687.5 (mainnet difficulty) × nonces/16 groups.</summary>
    public double K2PowHashes(IdentitySpec id) => id.K2PowHashes ?? id.Units * HashesPerUnitGroup * (Nonces / 16.0);

    public double DataBytes(IdentitySpec id) => id.Units * BytesPerUnit;

    /// <summary>
    /// Chance that a pass finds no proof: each nonce qualifies with q = P(Poisson(26) ≥ 37) ≈ 0.02438
    /// (post-service.md §4.2), so (1 − q)^nonces: 67% at 16 nonces, 4.3% at 128.
    /// </summary>
    public double PassFailureProbability => Math.Pow(1 - 0.02438, Nonces);

    /// <summary>Hash rate of one k2pow job running alone (local: its threads; remote: the workers its groups reach).</summary>
    public double SoloK2PowRate(IdentitySpec id) => Remote is { } r
        ? r.HashRate * Math.Min(r.Workers, Math.Max(1, Nonces / 16))
        : Hosts[id.Host].HashRatePerCore * Math.Min(Hosts[id.Host].PowThreads, Hosts[id.Host].Cores);

    /// <summary>Read rate of one reader alone on its disk: min(disk, CPU).</summary>
    public double SoloReadRate(IdentitySpec id) => Math.Min(Disks[id.Disk].Bandwidth, Hosts[id.Host].ScanRate);

    /// <summary>k2pow jobs a host (or the remote pool) runs at full speed at once: the natural max-pow.</summary>
    public int PowSlots(int host) => Remote is { } r
        ? Math.Max(1, r.Workers / Math.Min(r.Workers, Math.Max(1, Nonces / 16)))
        : Math.Max(1, Hosts[host].Cores / Math.Max(1, Math.Min(Hosts[host].PowThreads, Hosts[host].Cores)));

    public static Topology Load(string path) => Parse(File.ReadAllText(path), Path.GetFileNameWithoutExtension(path));

    public static Topology Parse(string yaml, string fallbackName)
    {
        var dto = new DeserializerBuilder().WithNamingConvention(HyphenatedNamingConvention.Instance).Build().Deserialize<TopologyDto>(yaml)
            ?? throw new FormatException("empty topology");
        var gap = TimeSpan.FromHours(12);
        if (dto.CycleGap is { } g && !Durations.TryParse(g, out gap))
        {
            throw new FormatException($"cycle-gap: '{g}' is not a duration (e.g. 12h)");
        }

        var deadline = gap + TimeSpan.FromHours(96);
        if (dto.Deadline is { } dl && (!Durations.TryParse(dl, out deadline) || deadline < gap))
        {
            throw new FormatException($"deadline: '{dl}' is not a duration at least as long as the cycle gap (e.g. 108h, from the gap's opening)");
        }

        var hosts = ImmutableArray.CreateBuilder<HostModel>();
        var disks = ImmutableArray.CreateBuilder<DiskModel>();
        var ids = ImmutableArray.CreateBuilder<IdentitySpec>();
        var chains = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        const double MiB = 1024.0 * 1024.0;
        foreach (var h in dto.Hosts ?? throw new FormatException("hosts: missing"))
        {
            var cores = h.Cores ?? 8;
            var host = new HostModel(h.Name ?? $"host{hosts.Count}", hosts.Count, cores, h.HashratePerCore ?? 500,
                h.PowThreads ?? cores, (h.ScanMibS ?? double.PositiveInfinity) * MiB);
            hosts.Add(host);
            foreach (var d in h.Disks ?? throw new FormatException($"hosts[{host.Index}].disks: missing"))
            {
                var disk = new DiskModel(d.Name ?? $"{host.Name}-disk{disks.Count}", disks.Count, host.Index,
                    (d.MibS ?? throw new FormatException($"disk {d.Name}: mib-s (bandwidth) missing")) * MiB, d.Penalty ?? dto.Penalty ?? 0.5);
                disks.Add(disk);
                foreach (var i in d.Identities ?? [])
                {
                    var count = i.Count ?? 1;
                    for (var c = 0; c < count; c++)
                    {
                        var name = count == 1 ? i.Name ?? $"{disk.Name}_post{c + 1}" : $"{i.Name ?? disk.Name + "_post"}{c + 1}";
                        ids.Add(new IdentitySpec(name, ids.Count, host.Index, disk.Index, i.Units ?? 4, i.K2powHashes));
                        if (count == 1 && i.After is { } after)
                        {
                            chains[name] = [.. after];
                        }
                    }
                }
            }
        }

        RemoteK2Pow? remote = dto.RemoteK2Pow is { } r ? new RemoteK2Pow(r.Workers ?? 1, r.Hashrate ?? 5000) : null;
        return new Topology(dto.Name ?? fallbackName, gap, dto.Nonces ?? 128, (dto.GibPerUnit ?? 64) * 1024 * MiB,
            dto.HashesPerUnitGroup ?? 4687.5, remote, hosts.ToImmutable(), disks.ToImmutable(), ids.ToImmutable())
        {
            Chains = chains.ToImmutable(),
            Deadline = deadline,
            StartupRange = (dto.RandomxMode ?? "fast") switch
            {
                "fast" => (60, 120),
                "light" => (2, 8),
                var m => throw new FormatException($"randomx-mode: '{m}' is not fast or light"),
            },
        };
    }

    internal sealed class TopologyDto
    {
        public string? Name { get; set; }
        public string? CycleGap { get; set; }
        public string? Deadline { get; set; }
        public string? RandomxMode { get; set; }
        public int? Nonces { get; set; }
        public double? GibPerUnit { get; set; }
        public double? HashesPerUnitGroup { get; set; }
        public double? Penalty { get; set; }
        [YamlMember(Alias = "remote-k2pow")]
        public RemoteDto? RemoteK2Pow { get; set; }
        public List<HostDto>? Hosts { get; set; }
    }

    internal sealed class RemoteDto
    {
        public int? Workers { get; set; }
        public double? Hashrate { get; set; }
    }

    internal sealed class HostDto
    {
        public string? Name { get; set; }
        public int? Cores { get; set; }
        public double? HashratePerCore { get; set; }
        public int? PowThreads { get; set; }
        public double? ScanMibS { get; set; }
        public List<DiskDto>? Disks { get; set; }
    }

    internal sealed class DiskDto
    {
        public string? Name { get; set; }
        public double? MibS { get; set; }
        public double? Penalty { get; set; }
        public List<IdentityDto>? Identities { get; set; }
    }

    internal sealed class IdentityDto
    {
        public string? Name { get; set; }
        public uint? Units { get; set; }
        public int? Count { get; set; }
        public List<string>? After { get; set; }

        [YamlMember(Alias = "k2pow-hashes")]
        public double? K2powHashes { get; set; }
    }
}
