using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;
using PostFleet.Core.Model;
using PostFleet.Runtime.Docker;
using PostFleet.Runtime.Kubernetes;

namespace PostFleet.Containers.Tests;

/// <summary>The pure parts of both runtimes: argument rewriting, names, endpoint choice and the create request.</summary>
public sealed class ContainerSpecTests
{
    [Theory]
    [InlineData(new[] { "--dir", "/host/id-01", "--threads", "1" }, new[] { "--dir", "/post", "--threads", "1" })]
    [InlineData(new[] { "-d", "/host/id-01" }, new[] { "-d", "/post" })]
    [InlineData(new[] { "--dir=/host/id-01", "-n", "2" }, new[] { "--dir=/post", "-n", "2" })]
    [InlineData(new[] { "--address", "http://127.0.0.1:9094" }, new[] { "--address", "http://127.0.0.1:9094", "--dir", "/post" })]
    public void The_dir_argument_names_the_mount_path(string[] arguments, string[] expected) =>
        Assert.Equal(expected, PostServiceArguments.WithDir(arguments, "/post"));

    [Theory]
    [InlineData(
        new[] { "--address", "https://node:9094", "--ca-cert", "/h/ca.pem", "--cert", "/h/c.pem", "--key", "/h/c.key", "--domain", "node" },
        new[] { "--address", "https://node:9094", "--ca-cert", "/t/ca.crt", "--cert", "/t/tls.crt", "--key", "/t/tls.key", "--domain", "node" })]
    [InlineData(
        new[] { "--ca-cert=/h/ca.pem", "--cert=/h/c.pem", "--key=/h/c.key", "--dir=/post" },
        new[] { "--ca-cert=/t/ca.crt", "--cert=/t/tls.crt", "--key=/t/tls.key", "--dir=/post" })]
    [InlineData(new[] { "--key", "/h/c.key", "--ca-cert=/h/ca.pem" }, new[] { "--key", "/t/tls.key", "--ca-cert=/t/ca.crt" })]
    [InlineData(new[] { "--address", "http://127.0.0.1:9094", "--dir", "/post" }, new[] { "--address", "http://127.0.0.1:9094", "--dir", "/post" })]
    [InlineData(new[] { "--certificate=x", "--dir", "/post", "--key" }, new[] { "--certificate=x", "--dir", "/post", "--key" })]
    public void The_tls_arguments_name_the_secrets_files(string[] arguments, string[] expected) =>
        Assert.Equal(expected, PostServiceArguments.WithTlsFiles(arguments, "/t/ca.crt", "/t/tls.crt", "/t/tls.key"));

    [Theory]
    [InlineData("id-01", "run1", "pf-id-01-run1")]
    [InlineData("Node_2.Key", "ab12", "pf-node-2-key-ab12")]
    [InlineData("--weird--", "r", "pf-weird-r")]
    public void Pod_names_are_dns_labels(string service, string runId, string expected) =>
        Assert.Equal(expected, KubernetesNames.PodName(service, runId));

    [Fact]
    public void Long_service_names_keep_the_run_id_within_63_characters()
    {
        var name = KubernetesNames.PodName(new string('x', 100), "0123456789");
        Assert.Equal(63, name.Length);
        Assert.EndsWith("-0123456789", name, StringComparison.Ordinal);
        Assert.Equal(63, KubernetesNames.LabelValue(new string('y', 80)).Length);
        Assert.Equal("a_b", KubernetesNames.LabelValue("-a b."));
    }

    [Fact]
    public void A_service_uses_the_engine_of_its_disk_and_unknown_disks_use_the_first()
    {
        var options = new DockerRuntimeOptions
        {
            FleetId = "f",
            Endpoints = [DockerEndpoint.LocalSocket, new DockerEndpoint("rack-2", new Uri("tcp://127.0.0.1:2376"))],
            DiskEndpoints = ImmutableDictionary<string, string>.Empty.Add("disk-b", "rack-2"),
            ServiceDisks = ImmutableDictionary<string, string>.Empty.Add("id-01", "disk-a").Add("id-02", "disk-b"),
        };
        using var selector = new DockerEndpointSelector(options);

        Assert.Equal("local", selector.ForService("id-01").Name);
        Assert.Equal("rack-2", selector.ForService("id-02").Name);
        Assert.Equal("local", selector.ForService("not-configured").Name);
        Assert.Throws<ArgumentException>(() => new DockerEndpointSelector(options with { DiskEndpoints = options.DiskEndpoints.Add("disk-c", "nowhere") }));
    }

    [Fact]
    public void The_create_request_mounts_read_only_runs_under_init_and_never_restarts()
    {
        var options = new DockerRuntimeOptions
        {
            FleetId = "fleet 1",
            Network = "spacemesh",
            Labels = ImmutableDictionary<string, string>.Empty.Add("owner", "ops").Add(FleetLabels.Fleet, "spoofed"),
        };
        var launch = new ServiceLaunch("id/01", "/bin/post-service", ["--dir", "/data/id-01"], "/data/id-01", "/logs");

        var request = ContainerSpec.Build(options, launch, "r1", "/logs/id-01.log");

        Assert.Equal("postfleet-fleet_1-id_01-r1", request.Name);
        Assert.Equal(DockerRuntimeOptions.DefaultImage, request.Image);
        Assert.Equal(["--dir", "/post"], request.Cmd);
        Assert.Null(request.Entrypoint); // the image's ENTRYPOINT is the binary
        Assert.Equal("fleet 1", request.Labels[FleetLabels.Fleet]); // ours win over configured extras
        Assert.Equal("ops", request.Labels["owner"]);
        Assert.True(request.HostConfig.Init);
        Assert.Equal("spacemesh", request.HostConfig.NetworkMode);
        var mount = Assert.Single(request.HostConfig.Mounts);
        Assert.True(mount.ReadOnly);
        Assert.Equal(("/data/id-01", "/post"), (mount.Source, mount.Target));
    }

    [Fact]
    public void Mtls_files_are_mounted_read_only_at_the_paths_the_arguments_name()
    {
        var launch = new ServiceLaunch("id-01", "/bin/post-service", ["--dir", "/data/id-01", "--ca-cert", "/tls/ca.pem", "--cert", "/tls/c.pem", "--key", "/tls/c.key"], "/data/id-01", "/logs")
        {
            Files = ["/tls/ca.pem", "/tls/c.pem", "/tls/c.key"],
        };

        var request = ContainerSpec.Build(new DockerRuntimeOptions { FleetId = "f" }, launch, "r1", "/logs/id-01.log");

        Assert.Equal(["/post", "/tls/ca.pem", "/tls/c.pem", "/tls/c.key"], request.HostConfig.Mounts.Select(m => m.Target));
        Assert.All(request.HostConfig.Mounts, m => Assert.True(m.ReadOnly));
        Assert.All(request.HostConfig.Mounts.Skip(1), m => Assert.Equal(m.Source, m.Target));
        Assert.Contains("/tls/ca.pem", request.Cmd);
    }

    [Fact]
    public void A_remote_engine_must_present_a_certificate_of_its_own_ca()
    {
        using var bundle = new Certificates.TestBundle(now: DateTimeOffset.UtcNow);
        using var stranger = new Certificates.TestBundle(now: DateTimeOffset.UtcNow);
        using var ca = bundle.Ca;
        using var node = bundle.Node;
        using var foreign = stranger.Node;

        Assert.True(DockerClients.IsIssuedBy(ca, node, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(DockerClients.IsIssuedBy(ca, foreign, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(DockerClients.IsIssuedBy(ca, node, System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(DockerClients.IsIssuedBy(ca, (X509Certificate2?)null, System.Net.Security.SslPolicyErrors.None));
    }
}
