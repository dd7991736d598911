using Grpc.Net.Client;
using PostFleet.Core.Configuration;
using PostFleet.Spacemesh.Node;

namespace PostFleet.Doctor.Probes;

/// <summary>
/// Short-lived gRPC channels for probing. The post listener is TLS when it says https or when mTLS is configured
/// (it is then the node's grpc-tls-listener), and the node's certificate is checked as the orchestrator checks it
/// (CA and name), so doctor finds what would stop the services. Only the transport settings differ: no keepalive.
/// </summary>
internal static class DoctorChannels
{
    public static Uri Address(NodeListener listener, Uri configured, TlsSpec? tls) => NodeChannels.Address(listener, configured, tls);

    public static GrpcChannel Create(Uri address, TlsSpec? tls, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = timeout, UseProxy = false };
        if (address.Scheme == Uri.UriSchemeHttps && tls is not null)
        {
            handler.SslOptions = NodeTls.ClientOptions(tls, address.Host);
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
