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

        var command = new Command("init", "Initialise every identity's PoST data with postcli (one run per disk at a time), verify it and install its key for the node. Safe to re-run: it resumes.")
        {
            config, only, dryRun, commitment, removeLocalKey, maxParallel,
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

            var request = new InitRequest(spec)
            {
                Only = parseResult.GetValue(only) ?? [],
                DryRun = parseResult.GetValue(dryRun),
                CommitmentAtxHex = parseResult.GetValue(commitment),
                RemoveLocalKey = parseResult.GetValue(removeLocalKey),
                MaxParallel = parseResult.GetValue(maxParallel),
            };
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
        });
        return command;
    }
}
