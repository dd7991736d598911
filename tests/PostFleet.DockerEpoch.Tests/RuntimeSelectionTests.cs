using PostFleet.Core.Configuration;
using PostFleet.Daemon.Runtimes;
using PostFleet.Runtime.Docker;
using PostFleet.Runtime.Kubernetes;

namespace PostFleet.DockerEpoch.Tests;

/// <summary>`runtime:` with the docker: and kubernetes: sections, mapped by <see cref="RuntimeFactory"/> (no engine needed).</summary>
public sealed class RuntimeSelectionTests
{
    private const string Disks = """
        node: { post-listener: http://127.0.0.1:9094, data-dir: node_data }
        disks:
          - name: diskA
            services:
              - { name: a1, dir: post/a1, num-units: 4, operator: 0.0.0.0:50051 }
          - name: diskB
            services:
              - { name: b1, dir: post/b1, num-units: 4, operator: 0.0.0.0:50052 }
        """;

    [Fact]
    public void Docker_section_maps_to_the_docker_runtime_options()
    {
        var spec = Load("""
            runtime: docker
            fleet-id: rig-1
            docker:
              image: postfleet/post-service-sim:test
              network: host
              data-mount-path: /data
              labels: { team: ops }
              request-timeout: 30s
              endpoints:
                - { name: local, address: 'unix:///var/run/docker.sock' }
                - { name: hostb, address: 'tcp://hostb:2376', tls: { ca-cert: tls/ca.pem, cert: tls/cert.pem, key: tls/key.pem }, node-address: 'http://10.0.0.11:9094', status-host: 10.0.0.12 }
              disk-endpoints: { diskB: hostb }
            """);

        Assert.Equal(RuntimeKind.Docker, spec.Runtime);
        var options = RuntimeFactory.DockerOptions(spec);
        Assert.Equal("rig-1", options.FleetId);
        Assert.Equal("postfleet/post-service-sim:test", options.Image);
        Assert.Equal("/data", options.DataMountPath);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RequestTimeout);
        Assert.Equal("ops", options.Labels["team"]);
        Assert.Equal(["local", "hostb"], options.Endpoints.Select(e => e.Name));
        Assert.Equal(new DockerTlsOptions("/srv/fleet/tls/ca.pem", "/srv/fleet/tls/cert.pem", "/srv/fleet/tls/key.pem"), options.Endpoints[1].Tls);
        Assert.Equal("hostb", options.DiskEndpoints["diskB"]);
        Assert.Equal("diskB", options.ServiceDisks["b1"]);
        Assert.Equal("10.0.0.12", options.Endpoints[1].StatusHost);
        Assert.Null(options.Endpoints[0].StatusHost);
        Assert.Equal(new Uri("http://10.0.0.11:9094"), spec.NodeAddressFor(spec.FindService("b1")!));
        Assert.Equal(spec.Node.PostListener, spec.NodeAddressFor(spec.FindService("a1")!));
    }

    [Fact]
    public void Without_a_section_the_runtime_defaults_apply_and_the_fleet_id_is_a_hash_of_the_config_path()
    {
        var spec = Load("runtime: docker");
        var options = RuntimeFactory.DockerOptions(spec);

        Assert.Equal(DockerRuntimeOptions.DefaultImage, options.Image);
        Assert.Equal(DockerEndpoint.LocalSocket, Assert.Single(options.Endpoints));
        Assert.Equal("host", options.Network);
        Assert.StartsWith("pf-", options.FleetId, StringComparison.Ordinal);
        Assert.Equal(options.FleetId, RuntimeFactory.DockerOptions(Load("runtime: docker")).FleetId);
        Assert.NotEqual(options.FleetId, RuntimeFactory.DockerOptions(Load("runtime: docker", "/srv/other/postfleet.yaml")).FleetId);
    }

    [Fact]
    public void Kubernetes_section_maps_node_pinning_and_claims()
    {
        var spec = Load("""
            runtime: kubernetes
            kubernetes:
              namespace: smeshing
              service-account: post
              image: spacemeshos/post-service:v0.8.5
              host-network: true
              status-via: pod-ip
              disks:
                diskA: { node: worker-1 }
                diskB: { node-selector: { disk: b }, claim: disk-b, mount-root: /srv/fleet/post }
            """);

        var options = RuntimeFactory.KubernetesOptions(spec);
        Assert.Equal("smeshing", options.Namespace);
        Assert.Equal("post", options.ServiceAccount);
        Assert.True(options.HostNetwork);
        Assert.Equal(PostFleet.Core.Configuration.PodStatusRoute.PodIp, options.StatusVia);
        Assert.Equal(PostFleet.Core.Configuration.PodStatusRoute.Proxy, RuntimeFactory.KubernetesOptions(Load("runtime: kubernetes\nkubernetes: { host-network: true }")).StatusVia);
        Assert.Equal("worker-1", options.Disks["diskA"].NodeSelector[KubernetesDiskPlacement.HostnameLabel]);
        Assert.IsType<KubernetesVolume.HostPath>(options.Disks["diskA"].Volume);
        Assert.Equal(new KubernetesVolume.PersistentVolumeClaim("disk-b", "/srv/fleet/post"), options.Disks["diskB"].Volume);
        Assert.Equal("b", options.Disks["diskB"].NodeSelector["disk"]);
    }

    [Fact]
    public void Kubernetes_tls_secret_maps_to_the_runtime_option()
    {
        var yaml = Disks.Replace(
            "node: { post-listener: http://127.0.0.1:9094, data-dir: node_data }",
            "node: { post-listener: https://127.0.0.1:9094, data-dir: node_data, tls: { ca-cert: tls/ca.pem, cert: tls/c.pem, key: tls/c.key } }",
            StringComparison.Ordinal) + "\nruntime: kubernetes\nkubernetes:\n  node-address: https://node.spacemesh:9094\n  tls-secret: post-tls";
        var result = FleetConfigLoader.Parse(yaml, "/srv/fleet", "/srv/fleet/postfleet.yaml");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));

        Assert.Equal("post-tls", RuntimeFactory.KubernetesOptions(result.Spec!).TlsSecret);
        Assert.Null(RuntimeFactory.KubernetesOptions(Load("runtime: kubernetes\nkubernetes: { host-network: true }")).TlsSecret);
    }

    [Fact]
    public void Bad_sections_are_reported_with_their_key_paths()
    {
        var result = FleetConfigLoader.Parse(Disks + "\n" + """
            runtime: docker
            fleet-id: "no spaces"
            docker:
              endpoints:
                - { name: local, address: 'http://x' }
                - { name: local, address: 'unix:///var/run/docker.sock', tls: { ca-cert: a, cert: b, key: c } }
              disk-endpoints: { diskC: local, diskA: nowhere }
              data-mount-path: relative
              imag: x
            kubernetes:
              namespace: Bad_NS
              disks:
                diskA: { claim: c }
                diskZ: { node: n }
            """, "/srv/fleet/conf", "/srv/fleet/conf/postfleet.yaml");

        var paths = result.Errors.Select(e => e.Path).ToList();
        Assert.False(result.IsValid);
        Assert.Contains("fleet-id", paths);
        Assert.Contains("docker.endpoints[0].address", paths);
        Assert.Contains("docker.endpoints[1].name", paths);
        Assert.Contains("docker.endpoints[1].tls", paths);
        Assert.Contains("docker.disk-endpoints.diskC", paths);
        Assert.Contains("docker.disk-endpoints.diskA", paths);
        Assert.Contains("docker.data-mount-path", paths);
        Assert.Contains("docker.imag", paths);
        Assert.Contains("kubernetes.namespace", paths);
        Assert.Contains("kubernetes.disks.diskA.mount-root", paths);
        Assert.Contains("kubernetes.disks.diskZ", paths);
    }

    private static FleetSpec Load(string runtime, string source = "/srv/fleet/postfleet.yaml")
    {
        var result = FleetConfigLoader.Parse(Disks + "\n" + runtime, Path.GetDirectoryName(source)!, source);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Spec!;
    }
}
