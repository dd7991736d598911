using System.Globalization;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Launch;

/// <summary>
/// The arguments of one identity's <c>post-service</c> (post-rs), flag by flag as post-service.md §1 lists them.
/// Pure: the same spec always gives the same list, so runs can be compared and adopted by their command line.
/// </summary>
public static class PostServiceCommandLine
{
    /// <summary>
    /// How long the service sleeps after a failed connect and after every disconnect: post-rs'
    /// <c>--reconnect-interval-s</c> default (service/src/main.rs), which applies because the flag is never passed.
    /// The log diagnosis ages failure lines by it.
    /// </summary>
    public static readonly TimeSpan ReconnectInterval = TimeSpan.FromSeconds(5);

    /// <remarks>
    /// Deliberately absent: <c>--watch-pid</c> (the service must outlive a daemon restart: stopping it loses all
    /// proving progress), <c>--max-retries</c> (a service waiting for its node should wait forever, as the
    /// default does), <c>--reconnect-interval-s</c> (its default, <see cref="ReconnectInterval"/>, is what the
    /// daemon assumes when it ages log lines), <c>--labels-per-unit</c> (removed from post-service; it comes from the metadata) and
    /// <c>-r</c>/<c>-p</c> (always 1). The scrypt N flag exists only as <c>-n</c>.
    /// </remarks>
    public static IReadOnlyList<string> Build(ServiceSpec service, FleetSpec fleet)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(fleet);
        var post = fleet.Post;
        var arguments = new List<string>
        {
            "--dir", service.DataDir,
            "--address", NodeAddress(fleet.NodeOf(service), fleet.NodeAddressFor(service)),
        };
        if (fleet.TlsFor(service) is { } tls)
        {
            arguments.AddRange(["--ca-cert", tls.CaCert, "--cert", tls.Cert, "--key", tls.Key]);
            if (!string.IsNullOrEmpty(tls.Domain))
            {
                arguments.AddRange(["--domain", tls.Domain]);
            }
        }

        arguments.AddRange(
        [
            "--operator-address", service.OperatorAddress,
            "--min-num-units", Number(post.MinNumUnits),
            "--max-num-units", Number(post.MaxNumUnits),
            "--k1", Number(post.K1),
            "--k2", Number(post.K2),
            "--pow-difficulty", post.PowDifficulty,
            "-n", Number(post.ScryptN),
            "--threads", Number(post.Threads),
            "--nonces", Number(post.Nonces),
            "--randomx-mode", post.RandomXMode,
        ]);
        if (fleet.K2Pow is { } pool && pool.RemoteFor(service) is { } remote)
        {
            // The router queues every group and hands them out; a direct worker runs one job at a time.
            var routed = pool.Routes(service);
            arguments.AddRange(
            [
                "--remote-k2pow", remote.ToString().TrimEnd('/'),
                "--remote-k2pow-parallelism", Number(routed ? pool.Parallelism : 1),
                "--remote-k2pow-backoff", Number((long)pool.Backoff.TotalSeconds),
            ]);
        }

        return arguments;
    }

    /// <summary>
    /// The node's PostService endpoint with an explicit scheme (post-service treats a missing one as a legacy
    /// fallback). With mTLS the post listener is the node's grpc-tls-listener, so the scheme is https whatever the
    /// config wrote; without it, plaintext http.
    /// </summary>
    public static string NodeAddress(NodeSpec node) => NodeAddress(node, node?.PostListener!);

    /// <summary>The same for <paramref name="listener"/>, the post listener as the service reaches it from where it runs.</summary>
    public static string NodeAddress(NodeSpec node, Uri listener)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(listener);
        var scheme = node.Tls is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
        // Host and port spelled out: Uri.Authority drops a port that is the old scheme's default.
        return $"{scheme}://{listener.Host}:{listener.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
