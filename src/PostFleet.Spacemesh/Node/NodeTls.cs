using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using PostFleet.Core.Configuration;

namespace PostFleet.Spacemesh.Node;

/// <summary>
/// Client side of the node's mTLS listener: our certificate and key from PEM files, and the node's certificate
/// checked against the configured CA only (not the machine's trust store), the way post-service does it.
/// </summary>
public static class NodeTls
{
    public static SslClientAuthenticationOptions ClientOptions(TlsSpec tls, string host)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(tls.CaCert);
        if (roots.Count == 0)
        {
            throw new ArgumentException($"no certificate in CA file {tls.CaCert}", nameof(tls));
        }

        var client = X509Certificate2.CreateFromPemFile(tls.Cert, tls.Key);

        // post-service's --domain: the name the node's certificate must carry; by default the host we dial.
        var expectedName = string.IsNullOrEmpty(tls.Domain) ? host : tls.Domain;
        return new SslClientAuthenticationOptions
        {
            ClientCertificates = [client],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => IsTrusted(certificate, roots, expectedName),
        };
    }

    /// <summary>
    /// Replaces the platform's verdict: that one fails by design (our CA is not in the machine store, and the host
    /// we dial may differ from the certificate's name when a domain is configured).
    /// </summary>
    internal static bool IsTrusted(X509Certificate? certificate, X509Certificate2Collection roots, string expectedName)
    {
        if (certificate is not X509Certificate2 server)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server) && server.MatchesHostname(expectedName);
    }
}
