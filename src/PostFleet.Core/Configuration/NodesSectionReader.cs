using System.Collections.Immutable;

namespace PostFleet.Core.Configuration;

/// <summary>
/// <c>node:</c> (one node) or <c>nodes:</c> (several, each named), never both; and which node each disk's and
/// service's identities belong to (<c>disks[].node</c>, <c>services[].node</c>; the only node when there is one).
/// A post-service dials exactly one node (its --address), so every identity has exactly one.
/// </summary>
internal static class NodesSectionReader
{
    public static ImmutableArray<NodeSpec> Read(YamlMap root, PathResolver paths)
    {
        if (root.Node("nodes") is null)
        {
            return [SectionReaders.ReadNode(root, paths)];
        }

        if (root.Node("node") is not null)
        {
            root.Error("nodes", "node: and nodes: are both given; keep one: node: for a single node, or move it into nodes: as an entry with a name");
        }

        var items = root.List("nodes") ?? [];
        if (items.Count == 0)
        {
            root.Error("nodes", "is empty; list each node with a name, its listeners and data-dir, or use node: for a single node");
            return [SectionReaders.ReadNodeFields(YamlMap.Open(null, "nodes", root.Errors, ConfigKeys.Node), paths)];
        }

        var nodes = new List<NodeSpec>(items.Count);
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var map = YamlMap.Open(items[i], $"nodes[{i}]", root.Errors, ConfigKeys.NodeEntry);
            var name = map.String("name", "name the node (e.g. node-a); disks and services say which node they belong to with node: NAME");
            if (name is not null && NameRules.DiskNameProblem(name) is { } problem)
            {
                map.Error("name", problem.Replace("disk name", "node name", StringComparison.Ordinal).Replace("diskA", "node-a", StringComparison.Ordinal));
            }
            else if (name is not null && !first.TryAdd(name, map.KeyPath("name")))
            {
                map.Error("name", $"node name '{name}' is already used by {first[name]}; give every node its own name");
            }

            nodes.Add(SectionReaders.ReadNodeFields(map, paths) with { Name = name ?? $"node{i}" });
        }

        return [.. nodes];
    }

    /// <summary>
    /// Checks every <c>node:</c> of disks and services names a node of <c>nodes:</c>, and that a disk whose services
    /// are on several nodes has no node-address of its own (that address is one node's listener).
    /// </summary>
    public static void Check(ImmutableArray<NodeSpec> nodes, IReadOnlyList<DiskEntry> disks, ErrorSink errors)
    {
        var known = nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        void CheckName(string? name, string path)
        {
            if (name is not null && !known.Contains(name))
            {
                var nearest = YamlMap.Nearest(name, known);
                errors.Add(path, nodes.Length == 1 && known.Contains(ConfigDefaults.NodeName)
                    ? $"'{name}' is not a node: this file has the single node: section; remove node: here, or list the nodes under nodes: with their names"
                    : $"'{name}' is not a node in nodes:" + (nearest is null ? $"; use one of {string.Join(", ", known)}" : $"; did you mean '{nearest}'?"));
            }
        }

        foreach (var disk in disks)
        {
            CheckName(disk.Node, $"{disk.Path}.node");
            foreach (var service in disk.Services)
            {
                CheckName(service.Node, $"{service.Path}.node");
            }

            var onNodes = disk.Services.Select(s => s.Node ?? disk.Node ?? nodes[0].Name).Distinct(StringComparer.Ordinal).ToList();
            if (onNodes.Count > 1 && disk.NodeAddress is not null)
            {
                errors.Add($"{disk.Path}.node-address", $"disk {disk.Name}'s services belong to nodes {string.Join(" and ", onNodes)}, but a node-address is one node's post listener; give the address in that node's entry or put the disk's services on one node");
            }
        }
    }

    /// <summary>The node a service belongs to as the spec names it: null for a one-node config, else always the name.</summary>
    public static string? NodeOf(ImmutableArray<NodeSpec> nodes, DiskEntry disk, ServiceEntry service) =>
        nodes.Length == 1 && service.Node is null && disk.Node is null ? null : service.Node ?? disk.Node ?? nodes[0].Name;
}
