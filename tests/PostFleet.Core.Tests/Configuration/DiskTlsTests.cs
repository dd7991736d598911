using PostFleet.Core.Configuration;
using PostFleet.Core.Launch;

namespace PostFleet.Core.Tests.Configuration;

/// <summary><c>disks[].tls</c>: a disk whose services run on another host, with that host's own client certificate.</summary>
public sealed class DiskTlsTests
{
    private const string NodeTls = "  data-dir: ../node_data\n  tls: { ca-cert: tls/ca.pem, cert: tls/fleet.pem, key: tls/fleet.key }";

    private static string WithDiskTls(string diskTls, bool nodeTls = true)
    {
        var text = nodeTls ? ConfigText.Minimal.Replace("  data-dir: ../node_data", NodeTls, StringComparison.Ordinal) : ConfigText.Minimal;
        return text.Replace("  - name: diskB\n", $"  - name: diskB\n    tls: {diskTls}\n", StringComparison.Ordinal);
    }

    [Fact]
    public void A_disk_overrides_what_it_names_and_inherits_the_rest_from_node_tls()
    {
        var spec = ConfigText.Load(WithDiskTls("{ cert: /etc/host-b/client.pem, key: /etc/host-b/client.key }")).Spec!;
        var diskB = spec.FindService("diskB_post1")!;
        var diskA = spec.FindService("diskA_post1")!;

        Assert.Equal(new TlsSpec("/srv/fleet/conf/tls/ca.pem", "/etc/host-b/client.pem", "/etc/host-b/client.key", null), spec.TlsFor(diskB));
        Assert.Equal(spec.Node.Tls, spec.TlsFor(diskA));

        var arguments = PostServiceCommandLine.Build(diskB, spec);
        Assert.Equal("/srv/fleet/conf/tls/ca.pem", arguments[arguments.ToList().IndexOf("--ca-cert") + 1]);
        Assert.Equal("/etc/host-b/client.pem", arguments[arguments.ToList().IndexOf("--cert") + 1]);
        Assert.Equal("/etc/host-b/client.key", arguments[arguments.ToList().IndexOf("--key") + 1]);
        Assert.StartsWith("https://", arguments[arguments.ToList().IndexOf("--address") + 1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_disk_tls_without_node_tls_is_an_error()
    {
        var error = ConfigText.SingleError(WithDiskTls("{ ca-cert: ca.pem }", nodeTls: false));

        Assert.Equal("disks[1].tls", error.Path);
        Assert.Contains("node.tls is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cert_and_key_go_together_and_an_empty_tls_says_what_to_give()
    {
        Assert.Equal("disks[1].tls.key", ConfigText.SingleError(WithDiskTls("{ cert: c.pem }")).Path);
        Assert.Equal("disks[1].tls", ConfigText.SingleError(WithDiskTls("{}")).Path);
        Assert.Equal("disks[1].tls.port", ConfigText.SingleError(WithDiskTls("{ ca-cert: ca.pem, port: 1 }")).Path);
    }
}
