using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Security;

namespace PostFleet.Containers.Tests.Certificates;

public sealed class CertificateBundleTests
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    [Fact]
    public void Node_and_client_certificates_chain_to_the_generated_ca_only()
    {
        using var bundle = new TestBundle(clients: ["id-01", "id-02"]);
        using var ca = bundle.Ca;
        using var node = bundle.Node;
        using var client = bundle.Client("id-02");
        var at = TestBundle.Now.AddDays(1);

        Assert.True(TestBundle.ChainsTo(ca, node, at));
        Assert.True(TestBundle.ChainsTo(ca, client, at));
        Assert.False(TestBundle.ChainsTo(ca, node, TestBundle.Now.AddDays(31)), "valid for --days only");

        using var otherBundle = new TestBundle();
        using var otherCa = otherBundle.Ca;
        Assert.False(TestBundle.ChainsTo(otherCa, client, at), "a certificate of one bundle must not validate against another bundle's CA");

        var constraints = Assert.Single(ca.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.False(Assert.Single(node.Extensions.OfType<X509BasicConstraintsExtension>()).CertificateAuthority);
        using var publicKey = node.GetECDsaPublicKey();
        Assert.Equal(256, Assert.IsAssignableFrom<ECDsa>(publicKey).KeySize); // P-256
    }

    [Fact]
    public void Node_certificate_is_for_servers_with_the_host_sans_and_client_certificates_are_for_clients()
    {
        using var bundle = new TestBundle(hosts: ["127.0.0.1", "node.example", "::1"]);
        using var node = bundle.Node;
        using var client = bundle.Client("id-01");

        Assert.Equal([ServerAuth], Usages(node));
        Assert.Equal([ClientAuth], Usages(client));

        var names = Assert.Single(node.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal([IPAddress.Parse("127.0.0.1"), IPAddress.IPv6Loopback], names.EnumerateIPAddresses().ToArray());
        Assert.Equal(["node.example"], names.EnumerateDnsNames().ToArray());
        Assert.True(node.MatchesHostname("127.0.0.1"));
        Assert.True(node.MatchesHostname("node.example"));
        Assert.False(node.MatchesHostname("other.example"));
        Assert.Contains("CN=id-01", client.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_are_0600_certificates_0644_and_the_folder_0700()
    {
        using var bundle = new TestBundle(clients: ["a", "b"]);
        const UnixFileMode key = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode cert = key | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(bundle.Files.Directory));
        foreach (var path in bundle.Files.All)
        {
            Assert.Equal(path.EndsWith(".key", StringComparison.Ordinal) ? key : cert, File.GetUnixFileMode(path));
        }

        Assert.Equal(8, bundle.Files.All.Count());
        Assert.Equal(8, Directory.GetFiles(bundle.Files.Directory).Length);
        using var parsed = ECDsa.Create();
        parsed.ImportFromPem(File.ReadAllText(bundle.Files.Clients["a"].Key)); // PKCS#8 PEM, as rustls and Go read it
    }

    [Fact]
    public void Existing_files_are_never_overwritten_without_force()
    {
        using var bundle = new TestBundle();
        var before = bundle.Files.All.ToDictionary(p => p, File.ReadAllBytes);
        var writer = new MtlsBundleWriter(new FakeTimeProvider(TestBundle.Now));

        var refused = Assert.Throws<ExistingFilesException>(() => writer.Write(bundle.Request));
        Assert.Equal(before.Keys.Order(), refused.Files.Order());
        Assert.All(before, f => Assert.Equal(f.Value, File.ReadAllBytes(f.Key)));

        // One existing file is enough to refuse, and then nothing at all is written.
        var partial = bundle.Request with { OutDirectory = Path.Combine(bundle.Root, "partial"), Clients = ["x"] };
        Directory.CreateDirectory(partial.OutDirectory);
        File.WriteAllText(Path.Combine(partial.OutDirectory, "client-x.key"), "mine");
        Assert.Throws<ExistingFilesException>(() => writer.Write(partial));
        Assert.Equal<string>(["client-x.key"], Directory.GetFiles(partial.OutDirectory).Select(f => Path.GetFileName(f)));

        var replaced = writer.Write(bundle.Request with { Force = true });
        Assert.All(before, f => Assert.NotEqual(f.Value, File.ReadAllBytes(f.Key)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(replaced.CaKey));
    }

    [Fact]
    public void Client_names_that_are_not_safe_file_names_are_rejected()
    {
        var writer = new MtlsBundleWriter(new FakeTimeProvider(TestBundle.Now));
        var request = new MtlsBundleRequest(Path.Combine(Path.GetTempPath(), "pf-never-written"), ["127.0.0.1"], ["../evil"], 1, Force: false);
        Assert.Throws<ArgumentException>(() => writer.Write(request));
        Assert.False(Directory.Exists(request.OutDirectory));
    }

    private static string[] Usages(X509Certificate2 certificate) =>
        [.. Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()).EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!)];
}
