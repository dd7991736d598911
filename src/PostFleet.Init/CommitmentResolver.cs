using PostFleet.Core.Configuration;
using PostFleet.Core.Init;

namespace PostFleet.Init;

/// <summary>
/// Which ATX new data commits to: --commitment-atx, else post.commitment-atx-id, else the node's highest ATX
/// (the golden ATX on a fresh network), exactly what the demo's get_commitment_atx.sh fetched with grpcurl.
/// </summary>
internal sealed class CommitmentResolver(InitDependencies dependencies)
{
    public async Task<(CommitmentAtx? Atx, string Source, InitProblem? Problem)> ResolveAsync(InitRequest request, CancellationToken cancellationToken)
    {
        if (request.CommitmentAtxHex is { } flag)
        {
            return FromText(flag, "--commitment-atx");
        }

        if (request.Fleet.Post.CommitmentAtxId is { } configured)
        {
            return FromText(configured, "post.commitment-atx-id");
        }

        var listener = request.Fleet.Node.PublicListener;
        if (dependencies.Node is null)
        {
            return (null, "node", new(InitProblemKind.NodeUnreachable, "node.public-listener",
                $"no node client is available to ask {listener} for ActivationService.Highest; pass --commitment-atx HEX (64 hex)."));
        }

        try
        {
            using var timeout = new CancellationTokenSource(dependencies.NodeTimeout, dependencies.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var bytes = await dependencies.Node.GetHighestAtxIdAsync(linked.Token);
            return bytes.Length == CommitmentAtx.Length
                ? (CommitmentAtx.FromBytes(bytes), $"node {listener} (ActivationService.Highest)", null)
                : (null, "node", new(InitProblemKind.NodeUnreachable, "node.public-listener", $"{listener} returned an ATX id of {bytes.Length} bytes; expected 32."));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "node", new(InitProblemKind.NodeUnreachable, "node.public-listener",
                $"could not get the highest ATX from {listener} ({ex.GetType().Name}: {ex.Message}); start the node or pass --commitment-atx HEX."));
        }
    }

    private static (CommitmentAtx?, string, InitProblem?) FromText(string text, string source) =>
        CommitmentAtx.TryParseHex(text, out var atx, out var error)
            ? (atx, source, null)
            : (null, source, new(InitProblemKind.CommitmentInvalid, source, error + "."));
}
