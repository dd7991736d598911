using PostFleet.Simulator.Node;

namespace PostFleet.Tls.Tests;

/// <summary>The simulated node's TLS listener settings: flags, the misspelled CA flag, and the config keys.</summary>
public sealed class NodeTlsFlagsTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("--gprc-tls-ca-cert")]
    [InlineData("--grpc-tls-ca-cert")]
    public void The_ca_flag_is_accepted_in_the_real_misspelling_and_the_correct_one(string caFlag)
    {
        var flags = NodeFlags.Parse(["--grpc-tls-listener", "127.0.0.1:9095", "--grpc-tls-cert=/c/node.pem", "--grpc-tls-key", "/c/node.key", caFlag, "/c/ca.pem"], out var error);

        Assert.Null(error);
        var tls = NodeSettings.Resolve(flags, Now).Tls;
        Assert.Equal(new NodeTlsSettings("127.0.0.1:9095", "/c/node.pem", "/c/node.key", "/c/ca.pem"), tls);
    }

    [Fact]
    public void Config_keys_under_api_configure_the_listener_and_flags_override_them()
    {
        var config = Path.Combine(Path.GetTempPath(), $"pf-tls-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(config, """
            { "api": { "grpc-tls-listener": "127.0.0.1:1", "grpc-tls-cert": "/a/node.pem", "grpc-tls-key": "/a/node.key", "grpc-tls-ca-cert": "/a/ca.pem" } }
            """);
        try
        {
            var fromConfig = NodeSettings.Resolve(NodeFlags.Parse(["-c", config], out _), Now).Tls;
            Assert.Equal(new NodeTlsSettings("127.0.0.1:1", "/a/node.pem", "/a/node.key", "/a/ca.pem"), fromConfig);

            var overridden = NodeSettings.Resolve(NodeFlags.Parse(["-c", config, "--gprc-tls-ca-cert", "/b/ca.pem"], out _), Now).Tls;
            Assert.Equal("/b/ca.pem", overridden!.CaCertPath);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public void Off_by_default_and_a_listener_without_its_files_is_a_startup_error()
    {
        Assert.Null(NodeSettings.Resolve(NodeFlags.Parse([], out _), Now).Tls);

        var error = Assert.Throws<StartupException>(() => NodeSettings.Resolve(NodeFlags.Parse(["--grpc-tls-listener", "127.0.0.1:9095", "--grpc-tls-cert", "/c/n.pem"], out _), Now));
        Assert.Contains("grpc-tls-key", error.Message, StringComparison.Ordinal);
        Assert.Contains("grpc-tls-ca-cert", error.Message, StringComparison.Ordinal);
    }
}
