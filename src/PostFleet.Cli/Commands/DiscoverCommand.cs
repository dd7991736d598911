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
/// (PostStates) and the PoST data folders under the disk roots, matched by node id. Several nodes: `--node NAME=URL`
/// repeated, with a `--public` and `--private` (and `--node-data-dir`) per node in the same order; the config then
/// has `nodes:` and each service names its node. Exit 0 when written, 1 when a node does not answer or nothing
/// matched, 2 when --out exists (without --force) or the flags do not pair up.
/// </summary>
internal static class DiscoverCommand
{
    public static Command Create()
    {
        var node = new Option<string[]>("--node") { Description = "The node's post listener (PostInfoService), e.g. http://127.0.0.1:10094; several nodes: NAME=URL, repeated", Required = true };
        var @public = new Option<string[]>("--public") { Description = $"The node's public listener (default {DiscoveryNodes.DefaultPublic}); once per --node when there are several" };
        var @private = new Option<string[]>("--private") { Description = $"The node's private listener, for PostConfig: labels per unit, unit range, k1, k2 (default {DiscoveryNodes.DefaultPrivate}); once per --node when there are several" };
        var roots = new Option<string[]>("--disk-root") { Description = "A disk (folder) holding PoST data folders a few levels down; repeat for more", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo>("--out") { Description = "The config to write", DefaultValueFactory = _ => new FileInfo("postfleet.yaml") };
        var force = new Option<bool>("--force") { Description = "Overwrite --out if it exists" };
        var dataDir = new Option<string[]>("--node-data-dir") { Description = "The node's -d folder (written as its data-dir); once per --node when there are several" };
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

            var (nodes, flagError) = DiscoveryNodes.Parse(parse.GetValue(node) ?? [], parse.GetValue(@public) ?? [], parse.GetValue(@private) ?? [], parse.GetValue(dataDir) ?? []);
            if (flagError is not null)
            {
                stderr.WriteLine($"error: {flagError}");
                return 2;
            }

            var several = nodes.Count > 1;
            var asked = new List<NodeIdentities>();
            NodePostConfig? nodePost = null;
            foreach (var n in nodes)
            {
                var spec = new NodeSpec(n.PostListener, n.PublicListener, n.PrivateListener, "", new PoetTimings(TimeSpan.FromHours(240), TimeSpan.FromHours(12), TimeSpan.FromHours(1)), null);
                using (var client = new NodeGrpcClient(spec, NodeClientOptions.Default with { CallTimeout = TimeSpan.FromSeconds(5) }))
                {
                    try
                    {
                        asked.Add(new NodeIdentities(several ? n.Name : null, await client.GetPostStatesAsync(cancellationToken)));
                    }
                    catch (NodeUnavailableException ex)
                    {
                        stderr.WriteLine($"error: cannot read {(several ? $"node {n.Name}'s" : "the node's")} identities: {ex.Message}");
                        stderr.WriteLine("       give the node's --grpc-post-listener with --node (it serves PostInfoService)");
                        return 1;
                    }
                }

                // The post settings are the fleet's (post:), the same on every node: the first node that tells them is enough.
                if (nodePost is null)
                {
                    using var probe = new NodeProbe(spec);
                    if (await probe.PostConfigAsync(cancellationToken) is { } pc)
                    {
                        nodePost = new NodePostConfig(pc.LabelsPerUnit, pc.MinNumUnits, pc.MaxNumUnits, pc.K1, pc.K2);
                    }
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
            var plan = DiscoveryPlanner.Plan(asked, found, groupOf, parse.GetValue(basePort));

            foreach (var n in asked)
            {
                stdout.WriteLine($"{(n.Name is { } name ? $"node {name}" : "node")}: {n.Identities.Count} identities");
            }

            stdout.WriteLine($"disk roots: {found.Count} data folders");
            foreach (var disk in plan.Disks)
            {
                foreach (var s in disk.Services)
                {
                    stdout.WriteLine($"  matched  {s.Name} ({s.Id.Short}…) -> {s.Dir} [{(s.Node is { } on ? $"node {on}, " : "")}{disk.Name}, {s.NumUnits} units, operator {s.Operator}]");
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

            var first = nodes[0];
            var inputs = new DiscoveryInputs(first.PostListener, first.PublicListener, first.PrivateListener, first.DataDir, rootList, nodePost,
                parse.GetValue(phaseShift), parse.GetValue(cycleGap), parse.GetValue(grace), parse.GetValue(serviceBinary), parse.GetValue(postcliBinary))
            {
                Nodes = several ? nodes : [],
            };
            await File.WriteAllTextAsync(outFile.FullName, DiscoveryYaml.Write(plan, inputs, outFile.FullName, DateTimeOffset.UtcNow), cancellationToken);
            stdout.WriteLine($"wrote {outFile.FullName}: {plan.Disks.Count} disk(s), {plan.ServiceCount} service(s)");
            if (nodes.Any(n => n.DataDir is null))
            {
                stdout.WriteLine(several
                    ? "  set each node's data-dir (its -d folder) before using it, or run again with --node-data-dir once per --node"
                    : "  set node.data-dir (the node's -d folder) before using it, or run again with --node-data-dir");
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
}
