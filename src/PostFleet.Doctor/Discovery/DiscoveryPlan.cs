using System.Text.RegularExpressions;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Doctor.Discovery;

public sealed record DiscoveredService(string Name, NodeId Id, string Dir, uint NumUnits, string Operator)
{
    /// <summary>The node that carries the identity, by name; null when discovery asked one node.</summary>
    public string? Node { get; init; }
}

/// <summary>The identities one node carries (its PostStates); <see cref="Name"/> is null when discovery asks one node.</summary>
public sealed record NodeIdentities(string? Name, IReadOnlyList<IdentityState> Identities);

public sealed record DiscoveredDisk(string Name, IReadOnlyList<DiscoveredService> Services);

/// <summary>The node's post settings when SmesherService.PostConfig answered.</summary>
public sealed record NodePostConfig(ulong LabelsPerUnit, uint MinNumUnits, uint MaxNumUnits, uint K1, uint K2);

/// <summary>What `postfleet discover` found and how it matched identities to data.</summary>
public sealed record DiscoveryPlan(
    IReadOnlyList<DiscoveredDisk> Disks,
    IReadOnlyList<IdentityState> UnmatchedIdentities,
    IReadOnlyList<FoundDataDir> UnmatchedDirs,
    IReadOnlyList<string> Notes,
    ulong? LabelsPerUnit,
    ulong? MaxFileSize,
    uint? MinNumUnits)
{
    public int ServiceCount => Disks.Sum(d => d.Services.Count);
}

/// <summary>
/// Matches every identity the node carries (PostStates: name, id) to the data folder whose metadata NodeId is that
/// id. Pure: the scan and the node answer come in, the plan goes out.
/// </summary>
public static partial class DiscoveryPlanner
{
    /// <param name="groupOf">The disk a data folder belongs to (its root, or its mount point).</param>
    public static DiscoveryPlan Plan(IReadOnlyList<IdentityState> identities, IReadOnlyList<FoundDataDir> dirs, Func<FoundDataDir, string> groupOf, int basePort, string operatorHost = "127.0.0.1") =>
        Plan([new NodeIdentities(null, identities)], dirs, groupOf, basePort, operatorHost);

    /// <summary>
    /// Several nodes: each identity is matched the same way and keeps its node. A service is named after its identity
    /// (the node knows it by that name) and service names are unique in a fleet, so a name a second node carries too
    /// is not matched and a note says which nodes share it.
    /// </summary>
    public static DiscoveryPlan Plan(IReadOnlyList<NodeIdentities> nodes, IReadOnlyList<FoundDataDir> dirs, Func<FoundDataDir, string> groupOf, int basePort, string operatorHost = "127.0.0.1")
    {
        var notes = new List<string>();
        var byId = new Dictionary<string, FoundDataDir>(StringComparer.Ordinal);
        var unmatchedDirs = new List<FoundDataDir>();
        foreach (var dir in dirs)
        {
            if (dir.Metadata?.NodeIdHex is not { } id)
            {
                unmatchedDirs.Add(dir);
                continue;
            }

            if (!byId.TryAdd(id, dir))
            {
                notes.Add($"{dir.Dir} holds the same identity ({id[..8]}…) as {byId[id].Dir}; only the first is used");
                unmatchedDirs.Add(dir);
            }
        }

        var matched = new List<(IdentityState Identity, string? Node, FoundDataDir Dir)>();
        var unmatchedIdentities = new List<IdentityState>();
        var nodeOfName = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (identity, node) in nodes.SelectMany(n => n.Identities.Select(i => (Identity: i, Node: n.Name))).OrderBy(i => i.Identity.Name, StringComparer.Ordinal))
        {
            if (NameRules.ServiceNameProblem(identity.Name) is { } problem)
            {
                notes.Add($"identity '{identity.Name}' skipped: {problem}");
                unmatchedIdentities.Add(identity);
            }
            else if (!nodeOfName.TryAdd(identity.Name, node))
            {
                notes.Add($"identity '{identity.Name}' of node {node} skipped: node {nodeOfName[identity.Name]} carries an identity of that name too, and service names are unique in a fleet (rename one key file in its node's identities/ folder)");
                unmatchedIdentities.Add(identity);
            }
            else if (byId.Remove(identity.Id.Hex, out var dir))
            {
                matched.Add((identity, node, dir));
            }
            else
            {
                unmatchedIdentities.Add(identity);
            }
        }

        unmatchedDirs.AddRange(byId.Values);

        var port = basePort;
        var disks = new List<DiscoveredDisk>();
        var diskNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in matched.GroupBy(m => groupOf(m.Dir)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var services = group
                .OrderBy(m => m.Dir.Dir, StringComparer.Ordinal)
                .Select(m => new DiscoveredService(m.Identity.Name, m.Identity.Id, m.Dir.Dir, m.Dir.Metadata!.NumUnits, $"{operatorHost}:{port++}") { Node = m.Node })
                .ToList();
            disks.Add(new DiscoveredDisk(DiskName(group.Key, diskNames), services));
        }

        var metadata = matched.Select(m => m.Dir.Metadata!).ToList();
        var labels = metadata.Select(m => m.LabelsPerUnit).Distinct().ToList();
        if (labels.Count > 1)
        {
            notes.Add($"the data folders were initialised with different labels-per-unit ({string.Join(", ", labels)}); only one can match the node");
        }

        var fileSizes = metadata.Select(m => m.MaxFileSize).Distinct().ToList();
        if (fileSizes.Count > 1)
        {
            notes.Add($"the data folders use different max-file-size values ({string.Join(", ", fileSizes)}); post.max-file-size only matters for init, set it per run");
        }

        return new DiscoveryPlan(
            disks,
            unmatchedIdentities,
            unmatchedDirs,
            notes,
            labels.Count == 1 ? labels[0] : null,
            fileSizes.Count == 1 ? fileSizes[0] : null,
            metadata.Count == 0 ? null : metadata.Min(m => m.NumUnits));
    }

    /// <summary>A valid, unique disk name from a folder path (its last part, with unusable characters replaced).</summary>
    public static string DiskName(string path, ISet<string> taken)
    {
        var last = Path.GetFileName(path.TrimEnd('/'));
        var name = Unsafe().Replace(last, "_").TrimStart('.', '_', '-');
        if (name.Length == 0)
        {
            name = "disk";
        }

        name = name.Length > 90 ? name[..90] : name;
        var candidate = name;
        for (var i = 2; !taken.Add(candidate); i++)
        {
            candidate = $"{name}-{i}";
        }

        return candidate;
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex Unsafe();
}
