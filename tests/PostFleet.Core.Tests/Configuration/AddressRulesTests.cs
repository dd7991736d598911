using PostFleet.Core.Configuration;
using PostFleet.Core.Launch;

namespace PostFleet.Core.Tests.Configuration;

/// <summary>
/// Addresses per vantage point: the daemon dials node.post-listener and reads /status; a post-service dials the
/// node and binds its operator address where it runs. validate refuses a loopback address used across machines or
/// network namespaces, at the key to change, saying which side would see what.
/// </summary>
public sealed class AddressRulesTests
{
    /// <summary>Two engines: this machine's socket for diskA, a remote TLS engine for diskB.</summary>
    private static string RemoteEngine(string endpointExtra = "", string diskBOperators = "0.0.0.0") => ConfigText.Minimal
        .Replace("operator: 127.0.0.1:10053", $"operator: {diskBOperators}:10053", StringComparison.Ordinal) + $$"""

        runtime: docker
        docker:
          endpoints:
            - { name: local, address: 'unix:///var/run/docker.sock' }
            - { name: host-b, address: 'tcp://10.0.0.12:2376'{{endpointExtra}} }
          disk-endpoints: { diskB: host-b }
        """;

    private static string Pods(string kubernetesExtra = "", string operators = "0.0.0.0") =>
        ConfigText.Minimal.Replace("operator: 127.0.0.1:", $"operator: {operators}:", StringComparison.Ordinal) + "\nruntime: kubernetes\nkubernetes:\n  namespace: smeshing\n" + kubernetesExtra;

    [Fact]
    public void The_single_host_layouts_need_no_new_field()
    {
        Assert.True(ConfigText.Load(ConfigText.Minimal).IsValid);
        var docker = ConfigText.Load(ConfigText.With("runtime: docker"));
        Assert.True(docker.IsValid, string.Join("\n", docker.Errors));
        Assert.All(docker.Spec!.Services, s => Assert.Equal(new Uri("http://127.0.0.1:9094"), docker.Spec.NodeAddressFor(s)));
    }

    [Fact]
    public void A_remote_engine_with_the_node_on_loopback_is_refused_at_the_node_listener_with_both_views()
    {
        var errors = ConfigText.Load(RemoteEngine()).Errors;

        var error = Assert.Single(errors);
        Assert.Equal("node.post-listener", error.Path);
        Assert.Contains("disk diskB's services run on engine 'host-b' (tcp://10.0.0.12:2376/), another machine", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9094 is that side's own loopback, not the node the daemon reaches at 127.0.0.1:9094", error.Message, StringComparison.Ordinal);
        Assert.Contains("docker.endpoints[1].node-address (or disks[1].node-address)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoints_node_address_is_what_its_services_dial_while_the_daemon_keeps_the_listener()
    {
        var result = ConfigText.Load(RemoteEngine(", node-address: 'http://10.0.0.11:9094'"));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var spec = result.Spec!;
        Assert.Equal(new Uri("http://127.0.0.1:9094"), spec.Node.PostListener);
        Assert.Equal("http://127.0.0.1:9094", Argument(spec, "diskA_post1", "--address"));
        Assert.Equal("http://10.0.0.11:9094", Argument(spec, "diskB_post1", "--address"));
        Assert.Equal("0.0.0.0:10053", Argument(spec, "diskB_post1", "--operator-address"));
    }

    [Fact]
    public void A_disks_own_node_address_wins_over_its_endpoints()
    {
        var yaml = RemoteEngine(", node-address: 'http://10.0.0.11:9094'").Replace("  - name: diskB\n", "  - name: diskB\n    node-address: 10.9.9.9:9094\n", StringComparison.Ordinal);

        var spec = ConfigText.Load(yaml).Spec!;

        Assert.Equal("http://10.9.9.9:9094", Argument(spec, "diskB_post1", "--address"));
    }

    [Fact]
    public void A_loopback_operator_on_a_remote_engine_is_refused_at_the_service()
    {
        var errors = ConfigText.Load(RemoteEngine(", node-address: 'http://10.0.0.11:9094'", diskBOperators: "127.0.0.1")).Errors;

        var error = Assert.Single(errors);
        Assert.Equal("disks[1].services[0].operator", error.Path);
        Assert.Contains("post-service would bind 127.0.0.1:10053 on engine 'host-b'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the daemon reads /status from this machine and would reach nothing (or another service on its own 127.0.0.1:10053)", error.Message, StringComparison.Ordinal);
        Assert.Contains("bind 0.0.0.0:10053", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loopback_status_host_for_a_remote_engine_is_refused()
    {
        var error = Assert.Single(ConfigText.Load(RemoteEngine(", node-address: 'http://10.0.0.11:9094', status-host: localhost")).Errors);

        Assert.Equal("docker.endpoints[1].status-host", error.Path);
        Assert.Contains("the daemon would read /status of engine 'host-b'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://10.0.0.12")]
    [InlineData("10.0.0.12:80")]
    [InlineData("host b")]
    public void A_status_host_that_is_not_a_bare_host_is_refused(string value)
    {
        var errors = ConfigText.Load(RemoteEngine($", node-address: 'http://10.0.0.11:9094', status-host: '{value}'")).Errors;

        Assert.Contains(errors, e => e.Path == "docker.endpoints[1].status-host" && e.Message.Contains("without port or scheme", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_node_address_names_its_key()
    {
        var error = Assert.Single(ConfigText.Load(RemoteEngine(", node-address: 'ftp://10.0.0.11:9094'")).Errors);

        Assert.Equal("docker.endpoints[1].node-address", error.Path);
        Assert.Contains("the node's post listener as the services here reach it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Containers_on_their_own_network_cannot_use_loopback_either()
    {
        var errors = ConfigText.Load(ConfigText.With("runtime: docker\ndocker:\n  network: post-net")).Errors;

        Assert.Contains(errors, e => e.Path == "node.post-listener" && e.Message.Contains("in containers on network 'post-net' of the local engine, each with its own network namespace", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "disks[0].services[0].operator" && e.Message.Contains("post-service would bind 127.0.0.1:10051 in containers on network 'post-net'", StringComparison.Ordinal));
    }

    [Fact]
    public void Pods_without_host_networking_refuse_a_loopback_node_and_name_every_place_to_fix_it()
    {
        var errors = ConfigText.Load(Pods()).Errors;

        var error = Assert.Single(errors);
        Assert.Equal("node.post-listener", error.Path);
        Assert.Contains("in pods, each with its own network namespace (kubernetes.host-network is false)", error.Message, StringComparison.Ordinal);
        Assert.Contains("kubernetes.node-address (or kubernetes.disks.diskA.node-address, or disks[0].node-address)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loopback_kubernetes_node_address_is_refused_at_that_key()
    {
        var error = Assert.Single(ConfigText.Load(Pods("  node-address: http://localhost:9094")).Errors);

        Assert.Equal("kubernetes.node-address", error.Path);
    }

    [Fact]
    public void Pods_dial_the_kubernetes_node_address_and_a_placement_can_override_it()
    {
        var result = ConfigText.Load(Pods("  node-address: http://node.spacemesh:9094\n  disks:\n    diskB: { node: worker-2, node-address: 'http://10.1.0.5:9094' }"));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("http://node.spacemesh:9094", Argument(result.Spec!, "diskA_post1", "--address"));
        Assert.Equal("http://10.1.0.5:9094", Argument(result.Spec!, "diskB_post1", "--address"));
    }

    [Theory]
    [InlineData("127.0.0.1", "only the pod itself sees it; the daemon reads /status through the API server's pod proxy")]
    [InlineData("10.1.2.3", "a pod's IP is given by the cluster when it starts")]
    public void A_pods_operator_must_bind_a_wildcard_address(string bind, string reason)
    {
        var errors = ConfigText.Load(Pods("  node-address: http://node.spacemesh:9094", operators: bind)).Errors;

        Assert.Equal(["disks[0].services[0].operator", "disks[0].services[1].operator", "disks[1].services[0].operator"], errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.Contains(reason, e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Host_network_pods_may_dial_the_nodes_loopback_but_still_bind_no_loopback_operator()
    {
        var accepted = ConfigText.Load(Pods("  host-network: true"));
        Assert.True(accepted.IsValid, string.Join("\n", accepted.Errors));

        var refused = ConfigText.Load(Pods("  host-network: true", operators: "127.0.0.1")).Errors;
        Assert.Equal(3, refused.Length);
        Assert.All(refused, e => Assert.EndsWith(".operator", e.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void With_status_via_pod_ip_even_host_network_pods_must_bind_a_wildcard_operator()
    {
        var accepted = ConfigText.Load(Pods("  host-network: true\n  status-via: pod-ip"));
        Assert.True(accepted.IsValid, string.Join("\n", accepted.Errors));
        Assert.Equal(PodStatusRoute.PodIp, accepted.Spec!.Kubernetes.StatusVia);

        var refused = ConfigText.Load(Pods("  host-network: true\n  status-via: pod-ip", operators: "10.1.2.3")).Errors;

        Assert.Equal(["disks[0].services[0].operator", "disks[0].services[1].operator", "disks[1].services[0].operator"], refused.Select(e => e.Path));
        Assert.All(refused, e => Assert.Contains("with kubernetes.status-via: pod-ip the daemon reads /status at the pod's IP (status.podIP:", e.Message, StringComparison.Ordinal));
        Assert.True(ConfigText.Load(Pods("  host-network: true", operators: "10.1.2.3")).IsValid, "through the pod proxy a host-network pod may bind one of its node's IPs");
    }

    [Fact]
    public void An_unknown_status_route_is_refused_with_the_choices()
    {
        var error = Assert.Single(ConfigText.Load(Pods("  node-address: http://node.spacemesh:9094\n  status-via: direct")).Errors);

        Assert.Equal("kubernetes.status-via", error.Path);
        Assert.Equal("'direct' is not allowed; use one of: proxy, pod-ip", error.Message);
    }

    [Theory]
    [InlineData("docker", "runtime: docker\ndocker:\n  probe-image: 'postfleet latest'")]
    [InlineData("kubernetes", "runtime: kubernetes\nkubernetes:\n  node-address: http://node.spacemesh:9094\n  probe-image: 'post fleet'")]
    public void A_probe_image_that_is_not_an_image_reference_is_refused(string section, string yaml)
    {
        var text = section == "kubernetes" ? ConfigText.Minimal.Replace("operator: 127.0.0.1:", "operator: 0.0.0.0:", StringComparison.Ordinal) : ConfigText.Minimal;

        var error = Assert.Single(ConfigText.Load(text + "\n" + yaml).Errors);

        Assert.Equal($"{section}.probe-image", error.Path);
        Assert.EndsWith("is not an image reference, e.g. postfleet:latest (a PostFleet image, packaging/Dockerfile)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_probe_images_are_read_and_each_disk_knows_the_key_its_node_address_comes_from()
    {
        var result = ConfigText.Load(RemoteEngine(", node-address: 'http://10.0.0.11:9094'") + "\n  probe-image: postfleet:1.4");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("postfleet:1.4", result.Spec!.Docker.ProbeImage);
        Assert.Equal(["node.post-listener", "docker.endpoints[1].node-address"], result.Spec.Disks.Select(d => d.NodeAddressKey));
    }

    private static string Argument(FleetSpec spec, string service, string flag)
    {
        var arguments = PostServiceCommandLine.Build(spec.FindService(service)!, spec);
        return arguments[arguments.ToList().IndexOf(flag) + 1];
    }
}

/// <summary>Where each side reaches the other, per placement (what doctor reports and the Docker runtime reads at).</summary>
public sealed class ServicePlacementTests
{
    private const string TwoEngines = """

        runtime: docker
        docker:
          endpoints:
            - { name: local, address: 'unix:///var/run/docker.sock' }
            - { name: host-b, address: 'tcp://10.0.0.12:2376', node-address: 'http://10.0.0.11:9094' }
          disk-endpoints: { diskB: host-b }
        """;

    [Fact]
    public void A_local_host_network_service_is_read_where_it_binds_and_a_remote_one_at_its_engines_host()
    {
        var spec = ConfigText.Load(ConfigText.Minimal.Replace("operator: 127.0.0.1:10053", "operator: 0.0.0.0:10053", StringComparison.Ordinal) + TwoEngines).Spec!;

        var local = ServicePlacement.Of(spec, spec.FindService("diskA_post1")!);
        var remote = ServicePlacement.Of(spec, spec.FindService("diskB_post1")!);

        Assert.Equal(new ServicePlacement("engine 'local' (unix:///var/run/docker.sock), host network", true, new Uri("http://127.0.0.1:9094"), "127.0.0.1:10051"), local);
        Assert.Equal(new ServicePlacement("engine 'host-b' (tcp://10.0.0.12:2376/), another machine", false, new Uri("http://10.0.0.11:9094"), "10.0.0.12:10053"), remote);
    }

    [Theory]
    [InlineData(null, "0.0.0.0:50051", "host-b:50051")]
    [InlineData(null, "10.0.0.12:50051", "10.0.0.12:50051")]
    [InlineData("192.168.7.2", "0.0.0.0:50051", "192.168.7.2:50051")]
    [InlineData("fd00::2", "[::]:50051", "[fd00::2]:50051")]
    public void On_a_remote_engine_the_status_host_wins_then_the_bound_ip_then_the_engines_host(string? statusHost, string bind, string read) =>
        Assert.Equal(read, ServicePlacement.OnEngine(statusHost, "host-b", bind));

    [Fact]
    public void Pods_are_read_through_the_pod_proxy()
    {
        var spec = ConfigText.Load(ConfigText.Minimal.Replace("operator: 127.0.0.1:", "operator: 0.0.0.0:", StringComparison.Ordinal) + "\nruntime: kubernetes\nkubernetes: { namespace: smeshing, node-address: 'http://node.spacemesh:9094' }").Spec!;

        var placement = ServicePlacement.Of(spec, spec.FindService("diskA_post2")!);

        Assert.False(placement.SameNetwork);
        Assert.Equal("the API server's pod proxy (pods/POD:10052/proxy/status)", placement.StatusAddress);
        Assert.Equal(new Uri("http://node.spacemesh:9094"), placement.NodeAddress);
    }

    [Fact]
    public void With_status_via_pod_ip_pods_are_read_at_their_ip()
    {
        var spec = ConfigText.Load(ConfigText.Minimal.Replace("operator: 127.0.0.1:", "operator: 0.0.0.0:", StringComparison.Ordinal) + "\nruntime: kubernetes\nkubernetes: { namespace: smeshing, node-address: 'http://node.spacemesh:9094', status-via: pod-ip }").Spec!;

        Assert.Equal("the pod's IP (status.podIP:10052)", ServicePlacement.Of(spec, spec.FindService("diskA_post2")!).StatusAddress);
    }
}
