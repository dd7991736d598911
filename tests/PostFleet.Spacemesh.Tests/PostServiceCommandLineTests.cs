using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Launch;
using PostFleet.Core.Timeline;

namespace PostFleet.Spacemesh.Tests;

public class PostServiceCommandLineTests
{
    private static readonly ServiceSpec Service = new("diskA_post1", "diskA", "/post/diskA_post1", 27, "127.0.0.1:10059", [], 0);

    private static FleetSpec Fleet(string postListener = "http://127.0.0.1:10094", TlsSpec? tls = null) => new(
        new NodeSpec(
            new Uri(postListener),
            new Uri("http://127.0.0.1:10092"),
            new Uri("http://127.0.0.1:10093"),
            "/node_data",
            new PoetTimings(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)),
            tls),
        new PostSettings(
            ServiceBinary: "/bin/post-service",
            PostcliBinary: "/bin/postcli",
            LabelsPerUnit: 1024,
            ScryptN: 16,
            K1: 12,
            K2: 20,
            PowDifficulty: new string('f', 64),
            RandomXMode: "light",
            Threads: 1,
            Nonces: 16,
            MinNumUnits: 1,
            MaxNumUnits: 32,
            MaxFileSize: null,
            Provider: 4294967295),
        RuntimeKind.Process,
        new ScheduleLimits(1, 2, 0, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), ShutdownPolicy.LeaveRunning),
        ImmutableArray.Create(new DiskSpec("diskA", [Service])),
        "/state");

    private static readonly string[] Settings =
    [
        "--operator-address", "127.0.0.1:10059",
        "--min-num-units", "1",
        "--max-num-units", "32",
        "--k1", "12",
        "--k2", "20",
        "--pow-difficulty", new string('f', 64),
        "-n", "16",
        "--threads", "1",
        "--nonces", "16",
        "--randomx-mode", "light",
    ];

    [Fact]
    public void Plaintext_node()
    {
        Assert.Equal(
            ["--dir", "/post/diskA_post1", "--address", "http://127.0.0.1:10094", .. Settings],
            PostServiceCommandLine.Build(Service, Fleet()));
    }

    [Fact]
    public void Mutual_tls_dials_the_tls_listener_over_https_with_the_certificates()
    {
        var tls = new TlsSpec("/tls/ca.pem", "/tls/client.pem", "/tls/client.key", Domain: null);

        Assert.Equal(
            [
                "--dir", "/post/diskA_post1", "--address", "https://127.0.0.1:10096",
                "--ca-cert", "/tls/ca.pem", "--cert", "/tls/client.pem", "--key", "/tls/client.key",
                .. Settings,
            ],
            PostServiceCommandLine.Build(Service, Fleet("http://127.0.0.1:10096", tls)));
    }

    [Fact]
    public void Mutual_tls_with_a_domain()
    {
        var tls = new TlsSpec("/tls/ca.pem", "/tls/client.pem", "/tls/client.key", Domain: "node.example");

        Assert.Equal(
            [
                "--dir", "/post/diskA_post1", "--address", "https://10.0.0.2:443",
                "--ca-cert", "/tls/ca.pem", "--cert", "/tls/client.pem", "--key", "/tls/client.key", "--domain", "node.example",
                .. Settings,
            ],
            PostServiceCommandLine.Build(Service, Fleet("https://10.0.0.2", tls)));
    }

    [Fact]
    public void Flags_that_post_service_does_not_have_are_never_passed()
    {
        var arguments = PostServiceCommandLine.Build(Service, Fleet());

        Assert.DoesNotContain("--labels-per-unit", arguments);
        Assert.DoesNotContain("--scrypt-n", arguments);
        Assert.DoesNotContain("--watch-pid", arguments);
        Assert.DoesNotContain("--max-retries", arguments);
    }
}
