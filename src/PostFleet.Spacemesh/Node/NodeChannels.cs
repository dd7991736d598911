using Grpc.Net.Client;
using PostFleet.Core.Configuration;

namespace PostFleet.Spacemesh.Node;

/// <summary>One gRPC channel per node listener, each with its own HTTP/2 connection and transport settings.</summary>
public static class NodeChannels
{
    /// <summary>go-spacemesh's grpc-recv/send-msg-size default; larger answers would be refused by the node anyway.</summary>
    private const int MaxMessageSize = 10 * 1024 * 1024;

    private const int StreamWindow = 4 * 1024 * 1024;

    /// <summary>How long a channel whose node refused a connect waits before it dials again (every time).</summary>
    public static readonly TimeSpan ReconnectBackoff = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The address a listener is dialled at. A listener is TLS when its URI says https; with mTLS configured the
    /// post listener is the node's grpc-tls-listener and always TLS (the TLS listener serves only post+postInfo by
    /// default, so the public and private listeners keep their own scheme).
    /// </summary>
    public static Uri Address(NodeListener listener, Uri configured, TlsSpec? tls)
    {
        if (configured.Scheme != Uri.UriSchemeHttp && configured.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"node {listener.ToString().ToLowerInvariant()} listener must be an http:// or https:// URI, got '{configured}'", nameof(configured));
        }

        var secure = configured.Scheme == Uri.UriSchemeHttps || (listener == NodeListener.Post && tls is not null);
        return new UriBuilder(secure ? Uri.UriSchemeHttps : Uri.UriSchemeHttp, configured.Host, configured.Port).Uri;
    }

    public static GrpcChannel Create(Uri address, TlsSpec? tls, NodeClientOptions options)
    {
        if (options.KeepAlivePingDelay < NodeClientOptions.MinimumKeepAlivePingDelay)
        {
            throw new ArgumentException($"keepalive pings more often than every {NodeClientOptions.MinimumKeepAlivePingDelay.TotalSeconds:0} s get the client disconnected by the node", nameof(options));
        }

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.CallTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,

            // Pings only while a call is open: the node also counts pings on an idle connection as abuse, and the
            // only call that needs liveness checks is the long-lived event stream.
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,

            // With dynamic window sizing off (its round-trip PINGs break the node's one-PING-a-minute policy; see the
            // postfleet executable's runtime options) the stream window stays where it starts: big enough for a
            // PostStates answer of thousands of identities without waiting on window updates.
            InitialHttp2StreamWindowSize = StreamWindow,
        };
        if (address.Scheme == Uri.UriSchemeHttps && tls is not null)
        {
            handler.SslOptions = NodeTls.ClientOptions(tls, address.Host);
        }

        // An http:// address makes Grpc.Net.Client speak HTTP/2 with prior knowledge (h2c), as the node expects.
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = MaxMessageSize,
            MaxSendMessageSize = MaxMessageSize,
            ThrowOperationCanceledOnCancellation = true,

            // A node that went away (restart, upgrade) is dialled again at most this long after it listens: it lists
            // every identity IDLE only while it syncs, and a restart told from a delivery needs a pass in that time.
            // grpc-dotnet's own backoff grows to 120 s, and the node is ours, on loopback or the LAN, where a refused
            // connect costs nothing.
            InitialReconnectBackoff = ReconnectBackoff,
            MaxReconnectBackoff = ReconnectBackoff,
        });
    }
}
