using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet;
using Docker.DotNet.X509;

namespace PostFleet.Runtime.Docker;

/// <summary>Builds a Docker.DotNet client for one endpoint, with mutual TLS for a remote engine.</summary>
internal static class DockerClients
{
    public static DockerClient Create(DockerEndpoint endpoint)
    {
        // Timeouts come from each call's cancellation token (driven by the injected TimeProvider); the library's
        // own default of 100 s would cut a stop whose grace period is longer.
        var timeout = Timeout.InfiniteTimeSpan;
        if (endpoint.Tls is null)
        {
            return new DockerClientConfiguration(endpoint.Address, credentials: null, timeout).CreateClient();
        }

        if (endpoint.Address.Scheme is not ("tcp" or "https"))
        {
            throw new ArgumentException($"Docker endpoint '{endpoint.Name}': TLS needs a tcp:// address, not {endpoint.Address}");
        }

        var clientCertificate = X509Certificate2.CreateFromPemFile(endpoint.Tls.ClientCert, endpoint.Tls.ClientKey);
        var ca = X509CertificateLoader.LoadCertificateFromFile(endpoint.Tls.CaCert);
        var credentials = new CertificateCredentials(clientCertificate)
        {
            ServerCertificateValidationCallback = (_, certificate, _, errors) => IsIssuedBy(ca, certificate, errors),
        };
        return new DockerClientConfiguration(endpoint.Address, credentials, timeout).CreateClient();
    }

    /// <summary>
    /// The engine's certificate must chain to the configured CA alone (not to the machine's public roots) and
    /// match the host name; the system's chain verdict is ignored because it does not know that CA.
    /// </summary>
    internal static bool IsIssuedBy(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
