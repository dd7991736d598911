using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using PostFleet.Core.Configuration;
using PostFleet.Spacemesh.Node;

namespace PostFleet.Doctor.Probes;

/// <summary>
/// Short-lived gRPC channels for probing. The post listener is TLS when it says https or when mTLS is configured
/// (it is then the node's grpc-tls-listener), exactly as the orchestrator dials it.
/// </summary>
internal static class DoctorChannels
{
    public static Uri Address(NodeListener listener, Uri configured, TlsSpec? tls)
    {
        var secure = configured.Scheme == Uri.UriSchemeHttps || (listener == NodeListener.Post && tls is not null);
        return new UriBuilder(secure ? Uri.UriSchemeHttps : Uri.UriSchemeHttp, configured.Host, configured.Port).Uri;
    }

    public static GrpcChannel Create(Uri address, TlsSpec? tls, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = timeout, UseProxy = false };
        if (address.Scheme == Uri.UriSchemeHttps && tls is not null)
        {
            handler.SslOptions = ClientOptions(tls);
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>Our certificate, and the node's checked against the configured CA only (a diagnostic needs no name check).</summary>
    private static SslClientAuthenticationOptions ClientOptions(TlsSpec tls)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(tls.CaCert);
        return new SslClientAuthenticationOptions
        {
            ClientCertificates = [X509Certificate2.CreateFromPemFile(tls.Cert, tls.Key)],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is not X509Certificate2 server)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(server);
            },
        };
    }
}
