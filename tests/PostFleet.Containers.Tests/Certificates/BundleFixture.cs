using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Security;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Certificates;

/// <summary>A bundle written to a temp folder, and the helpers that load and check its files.</summary>
internal sealed class TestBundle : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _temp = new("pf-certs");

    public TestBundle(string[]? clients = null, string[]? hosts = null, DateTimeOffset? now = null)
    {
        Request = new MtlsBundleRequest(_temp.Combine("tls"), [.. hosts ?? ["127.0.0.1", "localhost"]], [.. clients ?? ["id-01"]], 30, Force: false);
        Files = new MtlsBundleWriter(new FakeTimeProvider(now ?? Now)).Write(Request);
    }

    public MtlsBundleRequest Request { get; }

    public MtlsBundleFiles Files { get; }

    public string Root => _temp.Path;

    public X509Certificate2 Ca => X509CertificateLoader.LoadCertificateFromFile(Files.CaCert);

    public X509Certificate2 Node => X509Certificate2.CreateFromPemFile(Files.NodeCert, Files.NodeKey);

    public X509Certificate2 Client(string name) => X509Certificate2.CreateFromPemFile(Files.Clients[name].Cert, Files.Clients[name].Key);

    /// <summary>Validates against <paramref name="ca"/> alone, like the node and post-service do.</summary>
    public static bool ChainsTo(X509Certificate2 ca, X509Certificate2 leaf, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        return chain.Build(leaf);
    }

    public void Dispose() => _temp.Dispose();
}
