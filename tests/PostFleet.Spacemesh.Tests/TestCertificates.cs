using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PostFleet.Core.Configuration;
using PostFleet.Testing;

namespace PostFleet.Spacemesh.Tests;

/// <summary>A throwaway CA with a server certificate (for <c>node.test</c> only) and a client certificate, as PEM files.</summary>
internal sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly TempDirectory _folder = new("pf-tls");

    public TestCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=postfleet test CA", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        Ca = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        Server = Issue("node.test", ServerAuth, 2);
        var client = Issue("post-service", ClientAuth, 3);

        File.WriteAllText(CaPath, Ca.ExportCertificatePem());
        File.WriteAllText(_folder.Combine("client.pem"), client.ExportCertificatePem());
        File.WriteAllText(_folder.Combine("client.key"), client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public string CaPath => _folder.Combine("ca.pem");

    public TlsSpec Tls(string? domain) => new(CaPath, _folder.Combine("client.pem"), _folder.Combine("client.key"), domain);

    /// <summary>Kestrel's check of the client certificate: issued by our CA.</summary>
    public bool IsIssuedByCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        _folder.Dispose();
    }

    private X509Certificate2 Issue(string name, Oid usage, byte serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Ca, now.AddHours(-1), now.AddHours(12), [serial]);

        // Through PKCS#12 so the key is a persisted one that SslStream can use on every platform.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }
}
