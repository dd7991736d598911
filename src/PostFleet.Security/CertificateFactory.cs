using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PostFleet.Security;

/// <summary>
/// Issues the three kinds of certificate an mTLS setup between the node and its post-services needs: a private
/// CA, the node's server certificate and one client certificate per post-service (or operator). ECDSA P-256
/// with SHA-256 throughout: accepted by Go's crypto/tls (the node) and rustls (post-service).
/// </summary>
public static class CertificateFactory
{
    /// <summary>Issued certificates start this much in the past, so a peer whose clock is slightly behind accepts them.</summary>
    private static readonly TimeSpan s_clockSkew = TimeSpan.FromMinutes(5);

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static X509Certificate2 CreateAuthority(string commonName, DateTimeOffset now, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(commonName), key, HashAlgorithmName.SHA256);
        // Path length 0: this CA signs leaf certificates only, never another CA.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now - s_clockSkew, notAfter);
    }

    /// <summary>The node's TLS listener certificate; every name in <paramref name="hosts"/> becomes a SAN (IP or DNS).</summary>
    public static X509Certificate2 CreateServer(X509Certificate2 authority, IReadOnlyList<string> hosts, DateTimeOffset now, DateTimeOffset notAfter)
    {
        if (hosts.Count == 0)
        {
            throw new ArgumentException("a server certificate needs at least one host name or IP address", nameof(hosts));
        }

        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            // Clients check the SAN, never the CN (rustls ignores CN entirely), so every name must be here.
            if (IPAddress.TryParse(host, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(host);
            }
        }

        return CreateLeaf(authority, hosts[0], ServerAuth, names.Build(critical: false), now, notAfter);
    }

    /// <summary>A client certificate: the node requires one and checks it against the CA.</summary>
    public static X509Certificate2 CreateClient(X509Certificate2 authority, string name, DateTimeOffset now, DateTimeOffset notAfter) =>
        CreateLeaf(authority, name, ClientAuth, subjectAlternativeNames: null, now, notAfter);

    private static X509Certificate2 CreateLeaf(
        X509Certificate2 authority,
        string commonName,
        string extendedUsage,
        X509Extension? subjectAlternativeNames,
        DateTimeOffset now,
        DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedUsage)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (subjectAlternativeNames is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeNames);
        }

        // A leaf may not outlive its issuer (the API refuses), nor start before it.
        var end = notAfter < authority.NotAfter ? notAfter : new DateTimeOffset(authority.NotAfter);
        using var issued = request.Create(authority, now - s_clockSkew, end, SerialNumber());
        return issued.CopyWithPrivateKey(key);
    }

    private static X500DistinguishedName Subject(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName("PostFleet");
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    /// <summary>128 random bits with the top bit clear, so the DER integer stays positive.</summary>
    private static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return serial;
    }
}
