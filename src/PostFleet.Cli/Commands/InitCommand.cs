using System.CommandLine;
using PostFleet.Core.Configuration;
using PostFleet.Core.Ports;
using PostFleet.Init;
using PostFleet.Init.Console;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet init -c postfleet.yaml [--only NAME...] [--dry-run] [--commitment-atx HEX] [--remove-local-key]
/// [--max-parallel N]`. Parsing only; everything else is <see cref="InitConsole"/> and <see cref="InitRunner"/>.
/// </summary>
internal static class InitCommand
{
    /// <summary>
    /// Config seam: path → (spec, errors). LEAD: point this at <c>FleetConfigLoader.LoadFile</c> after merging.
    /// </summary>
    public static Func<string, (FleetSpec? Spec, IReadOnlyList<string> Errors)> LoadConfig { get; set; } = path =>
    {
        var result = FleetConfigLoader.LoadFile(path);
        return (result.IsValid ? result.Spec : null, [.. result.Errors.Select(e => $"{path}: {e}")]);
    };

    /// <summary>
    /// Node seam: spec → client (null: none). LEAD: point this at <c>NodeGrpcClient</c> after merging; init still works
    /// without one when --commitment-atx (or post.commitment-atx-id) is given.
    /// </summary>
    public static Func<FleetSpec, INodeClient?> CreateNodeClient { get; set; } = spec => new Spacemesh.Node.NodeGrpcClient(spec.Node);

    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c") { Description = "postfleet.yaml", Required = true };
        var only = new Option<string[]>("--only") { Description = "Only these identities (service names); repeatable", AllowMultipleArgumentsPerToken = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan and the postcli command lines; touch nothing" };
        var commitment = new Option<string?>("--commitment-atx") { Description = "Commitment ATX id (64 hex) instead of asking the node for its highest ATX" };
        var removeLocalKey = new Option<bool>("--remove-local-key") { Description = "Move the node's local.key to a dated local.key.bak-* backup (never deleted)" };
        var maxParallel = new Option<int>("--max-parallel") { Description = "postcli runs at once over all disks (one per disk regardless)", DefaultValueFactory = _ => 1 };
        var nodeName = new Option<string?>("--node") { Description = "With nodes: only the identities of this node (default: every node's, one node after the other)" };

        var command = new Command("init", "Initialise every identity's PoST data with postcli (one run per disk at a time), verify it and install its key for the node. Safe to re-run: it resumes.")
        {
            config, only, dryRun, commitment, removeLocalKey, maxParallel, nodeName,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetValue(config)!.FullName;
            var (spec, errors) = LoadConfig(path);
            if (spec is null || errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    Console.Error.WriteLine("error: " + error);
                }

                return 2;
            }

            var named = parseResult.GetValue(nodeName);
            if (named is not null && spec.Nodes.All(n => n.Name != named))
            {
                Console.Error.WriteLine($"error: --node {named}: not a node of {path}; use one of {string.Join(", ", spec.Nodes.Select(n => n.Name))}");
                return 2;
            }

            var onlyNames = parseResult.GetValue(only) ?? [];
            var exit = 0;
            foreach (var node in spec.Nodes.Where(n => named is null || n.Name == named))
            {
                // Each node has its own key folder and commitment ATX (its highest), so init runs once per node.
                var part = spec.HasSeveralNodes ? spec.ForNode(node) : spec;
                var mine = onlyNames.Where(n => part.FindService(n) is not null || spec.FindService(n) is null).ToArray();
                if (part.Disks.Length == 0 || (onlyNames.Length > 0 && mine.Length == 0))
                {
                    continue;
                }

                if (spec.HasSeveralNodes)
                {
                    Console.Out.WriteLine($"node {node.Name} ({node.DataDir}):");
                }

                var request = new InitRequest(part)
                {
                    Only = mine,
                    DryRun = parseResult.GetValue(dryRun),
                    CommitmentAtxHex = parseResult.GetValue(commitment),
                    RemoveLocalKey = parseResult.GetValue(removeLocalKey),
                    MaxParallel = parseResult.GetValue(maxParallel),
                };
                exit = Math.Max(exit, await RunForNodeAsync(part, request, cancellationToken));
            }

            return exit;
        });
        return command;
    }

    private static async Task<int> RunForNodeAsync(FleetSpec spec, InitRequest request, CancellationToken cancellationToken)
    {
        var node = CreateNodeClient(spec);
        try
        {
            var runner = new InitRunner(new InitDependencies(node, TimeProvider.System));
            return await InitConsole.RunAsync(runner, request, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected, cancellationToken);
        }
        finally
        {
            (node as IDisposable)?.Dispose();
        }
    }
}
