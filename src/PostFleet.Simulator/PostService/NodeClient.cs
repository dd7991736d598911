using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// The outer connect loop (fact sheet 2.1): N+1 attempts and N sleeps before giving up on consecutive connect
/// failures; the counter resets after every connection, and disconnects (including a rejected Register) loop forever.
/// </summary>
public sealed class NodeClient(ServiceContext context, NodeEndpoint endpoint, ProvingService proving)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Returns only when the retries ran out, with the message for <c>Error: …</c>.</summary>
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(context.Options.ReconnectIntervalSeconds);
        ulong attempt = 1;
        while (true)
        {
            if (!await TryConnectAsync(cancellationToken))
            {
                if (context.Options.MaxRetries is { } max && attempt > max)
                {
                    return $"max retries ({max}) reached";
                }

                await Task.Delay(interval, context.Time, cancellationToken);
                attempt++;
                continue;
            }

            // post-rs logs nothing for a successful connect; the node's MetadataRequest produces the first line.
            context.Record("connected");
            using (var channel = endpoint.CreateChannel())
            {
                var outcome = await new NodeConnection(proving, context.Log).ServeAsync(channel, cancellationToken);
                context.Log.Info("post_service::client", $"disconnected: {outcome}");
                context.Record("disconnected", new Dictionary<string, object?> { ["reason"] = outcome });
            }

            await Task.Delay(interval, context.Time, cancellationToken);
            attempt = 1;
        }
    }

    /// <summary>The transport connect tonic does before any RPC; a refused or unreachable node is a failed attempt.</summary>
    private async Task<bool> TryConnectAsync(CancellationToken cancellationToken)
    {
        string? rejected = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(endpoint.Uri.Host, endpoint.Uri.Port, timeout.Token);
            if (endpoint.UsesTls)
            {
                // tonic's connect includes the TLS handshake: a node whose certificate the CA does not vouch for
                // is a failed connect attempt, not a connection.
                await using var tls = new SslStream(tcp.GetStream());
                await tls.AuthenticateAsClientAsync(endpoint.SslOptions(reason => rejected = reason), timeout.Token);
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = rejected ?? ConnectFailure.Describe(ex);
            context.Log.Info("post_service::client", $"could not connect to the node: {ConnectFailure.TonicError(reason)}");
            context.Record("connect-failed", new Dictionary<string, object?> { ["reason"] = reason });
            return false;
        }
    }
}
