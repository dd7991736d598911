using System.CommandLine;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Timeline;
using PostFleet.Doctor.Discovery;
using PostFleet.Doctor.Probes;
using PostFleet.Init.Inspection;
using PostFleet.Spacemesh.Node;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet discover --node URL --disk-root DIR... --out FILE`: a starting config from the node's identities
/// (PostStates) and the PoST data folders under the disk roots, matched by node id. Exit 0 when written, 1 when the
/// node does not answer or nothing matched, 2 when --out exists (without --force).
/// </summary>
internal static class DiscoverCommand
{
    public static Command Create()
    {
        var node = new Option<string>("--node") { Description = "The node's post listener (PostInfoService), e.g. http://127.0.0.1:10094", Required = true };
        var @public = new Option<string>("--public") { Description = "The node's public listener", DefaultValueFactory = _ => "http://127.0.0.1:9092" };
        var @private = new Option<string>("--private") { Description = "The node's private listener (for PostConfig: labels per unit, unit range, k1, k2)", DefaultValueFactory = _ => "http://127.0.0.1:9093" };
        var roots = new Option<string[]>("--disk-root") { Description = "A disk (folder) holding PoST data folders a few levels down; repeat for more", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo>("--out") { Description = "The config to write", DefaultValueFactory = _ => new FileInfo("postfleet.yaml") };
        var force = new Option<bool>("--force") { Description = "Overwrite --out if it exists" };
        var dataDir = new Option<string?>("--node-data-dir") { Description = "The node's -d folder (written as node.data-dir)" };
        var basePort = new Option<int>("--operator-base-port") { Description = "First operator port; each service gets the next one", DefaultValueFactory = _ => 50051 };
        var groupBy = new Option<string>("--group-by") { Description = "One disk per disk root (root) or per filesystem (mount)", DefaultValueFactory = _ => "root" };
        groupBy.AcceptOnlyFromAmong("root", "mount");
        var depth = new Option<int>("--depth") { Description = "How deep below each root to look", DefaultValueFactory = _ => DataDirScanner.DefaultDepth };
        var phaseShift = new Option<string?>("--phase-shift") { Description = "The network's PoET phase shift (else mainnet's)" };
        var cycleGap = new Option<string?>("--cycle-gap") { Description = "The network's PoET cycle gap (else mainnet's)" };
        var grace = new Option<string?>("--grace-period") { Description = "The node's PoET grace period (else mainnet's)" };
        var serviceBinary = new Option<string?>("--service-binary") { Description = "post-service executable to write into the config" };
        var postcliBinary = new Option<string?>("--postcli-binary") { Description = "postcli executable to write into the config" };

        var command = new Command("discover", "Write a starting config from a running node and the PoST data on disk (identities matched to data by node id)")
        {
            node, @public, @private, roots, output, force, dataDir, basePort, groupBy, depth, phaseShift, cycleGap, grace, serviceBinary, postcliBinary,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var outFile = parse.GetValue(output)!;
            if (outFile.Exists && !parse.GetValue(force))
            {
                stderr.WriteLine($"{outFile.FullName} exists; not overwritten (give --force to replace it)");
                return 2;
            }

            Uri post, pub, priv;
            try
            {
                (post, pub, priv) = (Listener(parse.GetValue(node)!), Listener(parse.GetValue(@public)!), Listener(parse.GetValue(@private)!));
            }
            catch (UriFormatException ex)
            {
                stderr.WriteLine($"error: {ex.Message}");
                return 2;
            }

            var spec = new NodeSpec(post, pub, priv, "", new PoetTimings(TimeSpan.FromHours(240), TimeSpan.FromHours(12), TimeSpan.FromHours(1)), null);
            IReadOnlyList<IdentityState> identities;
            using (var client = new NodeGrpcClient(spec, NodeClientOptions.Default with { CallTimeout = TimeSpan.FromSeconds(5) }))
            {
                try
                {
                    identities = await client.GetPostStatesAsync(cancellationToken);
                }
                catch (NodeUnavailableException ex)
                {
                    stderr.WriteLine($"error: cannot read the node's identities: {ex.Message}");
                    stderr.WriteLine("       give the node's --grpc-post-listener with --node (it serves PostInfoService)");
                    return 1;
                }
            }

            NodePostConfig? nodePost = null;
            using (var probe = new NodeProbe(spec))
            {
                if (await probe.PostConfigAsync(cancellationToken) is { } pc)
                {
                    nodePost = new NodePostConfig(pc.LabelsPerUnit, pc.MinNumUnits, pc.MaxNumUnits, pc.K1, pc.K2);
                }
            }

            var rootList = parse.GetValue(roots)!.Select(Path.GetFullPath).ToList();
            foreach (var missing in rootList.Where(r => !Directory.Exists(r)))
            {
                stderr.WriteLine($"warning: disk root {missing} does not exist");
            }

            var found = DataDirScanner.Scan(rootList, parse.GetValue(depth));
            var volumes = new DriveFreeSpaceProbe();
            Func<FoundDataDir, string> groupOf = parse.GetValue(groupBy) == "mount"
                ? d => volumes.Probe(d.Dir)?.VolumeId ?? d.Root
                : d => d.Root;
            var plan = DiscoveryPlanner.Plan(identities, found, groupOf, parse.GetValue(basePort));

            stdout.WriteLine($"node: {identities.Count} identities; disk roots: {found.Count} data folders");
            foreach (var disk in plan.Disks)
            {
                foreach (var s in disk.Services)
                {
                    stdout.WriteLine($"  matched  {s.Name} ({s.Id.Short}…) -> {s.Dir} [{disk.Name}, {s.NumUnits} units, operator {s.Operator}]");
                }
            }

            foreach (var identity in plan.UnmatchedIdentities)
            {
                stdout.WriteLine($"  unmatched identity  {identity.Name} ({identity.Id.Hex}): no data folder under the disk roots holds it");
            }

            foreach (var dir in plan.UnmatchedDirs)
            {
                stdout.WriteLine($"  unmatched data  {dir.Dir}: {(dir.Metadata?.NodeIdHex is { } id ? $"node id {id} is not carried by the node (install its key and restart the node)" : dir.Error)}");
            }

            foreach (var note in plan.Notes)
            {
                stdout.WriteLine($"  note  {note}");
            }

            if (plan.ServiceCount == 0)
            {
                stderr.WriteLine("error: no identity matched a data folder; nothing written");
                return 1;
            }

            var inputs = new DiscoveryInputs(post, pub, priv, parse.GetValue(dataDir) is { } d ? Path.GetFullPath(d) : null, rootList, nodePost,
                parse.GetValue(phaseShift), parse.GetValue(cycleGap), parse.GetValue(grace), parse.GetValue(serviceBinary), parse.GetValue(postcliBinary));
            await File.WriteAllTextAsync(outFile.FullName, DiscoveryYaml.Write(plan, inputs, outFile.FullName, DateTimeOffset.UtcNow), cancellationToken);
            stdout.WriteLine($"wrote {outFile.FullName}: {plan.Disks.Count} disk(s), {plan.ServiceCount} service(s)");
            if (inputs.NodeDataDir is null)
            {
                stdout.WriteLine("  set node.data-dir (the node's -d folder) before using it, or run again with --node-data-dir");
            }

            var check = FleetConfigLoader.LoadFile(outFile.FullName);
            foreach (var error in check.Errors)
            {
                stderr.WriteLine($"{outFile.FullName}: {error}");
            }

            return 0;
        });
        return command;
    }

    private static Uri Listener(string value) =>
        new(value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value);
}
