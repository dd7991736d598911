using System.Globalization;
using System.Text;

namespace PostFleet.Doctor.Discovery;

/// <summary>What goes into the written config besides the plan.</summary>
public sealed record DiscoveryInputs(
    Uri PostListener,
    Uri PublicListener,
    Uri PrivateListener,
    string? NodeDataDir,
    IReadOnlyList<string> DiskRoots,
    NodePostConfig? NodePost,
    string? PhaseShift = null,
    string? CycleGap = null,
    string? GracePeriod = null,
    string? ServiceBinary = null,
    string? PostcliBinary = null)
{
    /// <summary>Several nodes (written as <c>nodes:</c>, in this order); empty: the one node of the listeners above.</summary>
    public IReadOnlyList<DiscoveryNode> Nodes { get; init; } = [];
}

/// <summary>One node discovery asked: its name in <c>nodes:</c>, listeners and -d folder (null: not given).</summary>
public sealed record DiscoveryNode(string Name, Uri PostListener, Uri PublicListener, Uri PrivateListener, string? DataDir);

/// <summary>Writes a discovery plan as a commented postfleet.yaml (paths relative to the file when below it).</summary>
public static class DiscoveryYaml
{
    public const string DataDirPlaceholder = "CHANGE-ME-node-data-dir";

    public static string Write(DiscoveryPlan plan, DiscoveryInputs inputs, string outFile, DateTimeOffset now)
    {
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(outFile))!;
        var y = new StringBuilder();
        y.AppendLine(CultureInfo.InvariantCulture, $"# Written by `postfleet discover` at {now:u} from {(inputs.Nodes.Count > 1 ? "the nodes " + string.Join(", ", inputs.Nodes.Select(n => $"{n.Name} at {n.PostListener}")) : $"the node at {inputs.PostListener}")}");
        y.AppendLine(CultureInfo.InvariantCulture, $"# and the data under {string.Join(", ", inputs.DiskRoots)}.");
        y.AppendLine("# Check it, then run `postfleet validate -c THIS-FILE` and `postfleet doctor -c THIS-FILE`.");
        if (inputs.Nodes.Count > 1)
        {
            y.AppendLine("nodes:");
            foreach (var node in inputs.Nodes)
            {
                y.AppendLine(CultureInfo.InvariantCulture, $"  - name: {node.Name}");
                Listeners(y, "    ", node.PostListener, node.PublicListener, node.PrivateListener, node.DataDir, baseDir);
                Poet(y, "    ", inputs);
            }
        }
        else
        {
            y.AppendLine("node:");
            Listeners(y, "  ", inputs.PostListener, inputs.PublicListener, inputs.PrivateListener, inputs.NodeDataDir, baseDir);
            Poet(y, "  ", inputs);
        }

        y.AppendLine("post:");
        y.AppendLine(CultureInfo.InvariantCulture, $"  service-binary: {Quote(inputs.ServiceBinary ?? "post-service")}");
        y.AppendLine(CultureInfo.InvariantCulture, $"  postcli-binary: {Quote(inputs.PostcliBinary ?? "postcli")}");
        var labels = plan.LabelsPerUnit ?? inputs.NodePost?.LabelsPerUnit;
        if (labels is not null)
        {
            y.AppendLine(CultureInfo.InvariantCulture, $"  labels-per-unit: {labels}");
        }

        if (inputs.NodePost is { } nodePost)
        {
            y.AppendLine("  # From the node's SmesherService.PostConfig.");
            y.AppendLine(CultureInfo.InvariantCulture, $"  min-num-units: {nodePost.MinNumUnits}");
            y.AppendLine(CultureInfo.InvariantCulture, $"  max-num-units: {nodePost.MaxNumUnits}");
            y.AppendLine(CultureInfo.InvariantCulture, $"  k1: {nodePost.K1}");
            y.AppendLine(CultureInfo.InvariantCulture, $"  k2: {nodePost.K2}");
        }
        else if (plan.MinNumUnits is { } min && min < 4)
        {
            y.AppendLine("  # The node's PostConfig was not available (give --private); lowered to fit the data found.");
            y.AppendLine(CultureInfo.InvariantCulture, $"  min-num-units: {min}");
        }

        y.AppendLine("  # Not served by the node: set scrypt-n and pow-difficulty to the node's (the defaults are mainnet's).");
        y.AppendLine("  # scrypt-n: 8192");
        y.AppendLine("  # pow-difficulty: 000dfb23b0979b4b000000000000000000000000000000000000000000000000");
        if (plan.MaxFileSize is { } maxFileSize && maxFileSize != Core.Init.PostDataLayout.DefaultMaxFileSize)
        {
            y.AppendLine(CultureInfo.InvariantCulture, $"  max-file-size: {maxFileSize}");
        }

        y.AppendLine("disks:");
        foreach (var disk in plan.Disks)
        {
            y.AppendLine(CultureInfo.InvariantCulture, $"  - name: {disk.Name}");
            y.AppendLine("    services:");
            foreach (var s in disk.Services)
            {
                y.AppendLine(CultureInfo.InvariantCulture, $"      - {{ name: {s.Name}, dir: {Quote(PathFor(s.Dir, baseDir))}, num-units: {s.NumUnits}, operator: '{s.Operator}'{(s.Node is { } on ? $", node: {on}" : "")} }}  # {s.Id.Short}…");
            }
        }

        foreach (var identity in plan.UnmatchedIdentities)
        {
            y.AppendLine(CultureInfo.InvariantCulture, $"# Not matched: the node carries '{identity.Name}' ({identity.Id.Hex}) but no data folder under the disk roots holds it.");
        }

        foreach (var dir in plan.UnmatchedDirs)
        {
            y.AppendLine(CultureInfo.InvariantCulture, $"# Not matched: {dir.Dir} ({(dir.Metadata?.NodeIdHex is { } id ? $"node id {id}, not carried by the node" : dir.Error)}).");
        }

        return y.ToString();
    }

    private static void Listeners(StringBuilder y, string indent, Uri post, Uri @public, Uri @private, string? dataDir, string baseDir)
    {
        y.AppendLine(CultureInfo.InvariantCulture, $"{indent}post-listener: {post.GetLeftPart(UriPartial.Authority)}");
        y.AppendLine(CultureInfo.InvariantCulture, $"{indent}public-listener: {@public.GetLeftPart(UriPartial.Authority)}");
        y.AppendLine(CultureInfo.InvariantCulture, $"{indent}private-listener: {@private.GetLeftPart(UriPartial.Authority)}");
        if (dataDir is null)
        {
            y.AppendLine(CultureInfo.InvariantCulture, $"{indent}# The node's -d folder (its identities/ holds the keys): no API tells it, give it with --node-data-dir.");
            y.AppendLine(CultureInfo.InvariantCulture, $"{indent}data-dir: {DataDirPlaceholder}");
        }
        else
        {
            y.AppendLine(CultureInfo.InvariantCulture, $"{indent}data-dir: {Quote(PathFor(dataDir, baseDir))}");
        }
    }

    private static void Poet(StringBuilder y, string indent, DiscoveryInputs inputs)
    {
        if (inputs.PhaseShift is null || inputs.CycleGap is null || inputs.GracePeriod is null)
        {
            y.AppendLine(CultureInfo.InvariantCulture, $"{indent}# No node API serves the PoET timings; these are mainnet's. Set your network's (the node config's poet section).");
        }

        y.AppendLine(CultureInfo.InvariantCulture, $"{indent}poet: {{ phase-shift: {inputs.PhaseShift ?? "240h"}, cycle-gap: {inputs.CycleGap ?? "12h"}, grace-period: {inputs.GracePeriod ?? "1h"} }}");
    }

    private static string PathFor(string path, string baseDir)
    {
        var relative = Path.GetRelativePath(baseDir, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
