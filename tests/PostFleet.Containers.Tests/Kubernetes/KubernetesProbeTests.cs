using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Doctor;
using PostFleet.Doctor.Checks;
using PostFleet.Doctor.Probes.Remote;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Kubernetes;

/// <summary>
/// doctor's probe pod against the fake API server, with a kubelet that really runs the pod's command (this build's
/// postfleet, the probe image's ENTRYPOINT): the pod is placed like the services' pods, its phase watched until it
/// ends, its log read, its operator address read as the daemon reads a pod (pod proxy or pod IP), and it is deleted.
/// </summary>
public sealed class KubernetesProbeTests : IAsyncLifetime
{
    private const string Ns = "spacemesh";

    private readonly TempDirectory _dir = new("pf-k8s-probe");
    private readonly int _operatorPort = FreePorts.Next();
    private FakeKubernetesApi _api = null!;
    private WebApplication _node = null!;
    private int _nodePort;

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();

        // Stands in for the node's post listener (a TCP connect is all the probe asks of it).
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _node = builder.Build();
        _node.MapGet("/", () => Results.Ok());
        await _node.StartAsync();
        _nodePort = new Uri(_node.Urls.Single()).Port;
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _api.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_probe_pod_is_placed_like_the_services_reaches_the_node_and_is_read_through_the_pod_proxy()
    {
        var kubelet = Kubelet();
        var spec = Spec($"http://127.0.0.1:{_nodePort}");

        var results = await RemoteAddressProbes.RunAsync(spec, Options(TimeSpan.FromSeconds(60)), TimeProvider.System, CancellationToken.None);

        var findings = RemoteAddressCheck.Evaluate(Assert.Single(results), spec.Node.PostListener).ToList();
        Assert.All(findings, f => Assert.Equal(Severity.Ok, f.Severity));
        Assert.Contains(findings, f => f.Message.StartsWith($"the services' node address 127.0.0.1:{_nodePort} (kubernetes.node-address) is reached from there", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Message == $"1 operator address(es) bound there and read from here as the daemon reads them: 0.0.0.0:{_operatorPort} at the API server's pod proxy (pods/POD:{_operatorPort}/proxy/status)");

        var pod = Assert.Single(kubelet.Ran);
        Assert.Equal(Ns, pod.Metadata.NamespaceProperty);
        Assert.Equal("worker-1", pod.Spec.NodeSelector["kubernetes.io/hostname"]);
        Assert.True(pod.Spec.HostNetwork);
        Assert.Equal("Never", pod.Spec.RestartPolicy);
        Assert.Equal(60, pod.Spec.ActiveDeadlineSeconds);
        Assert.Equal("registry.local/postfleet:test", pod.Spec.Containers[0].Image);
        Assert.Null(pod.Spec.Containers[0].Command); // the image's ENTRYPOINT (postfleet) stays
        Assert.Equal("probe", pod.Spec.Containers[0].Args[0]);
        // Never one of the fleet's runs: no fleet label, so no runtime lists (adopts) it.
        Assert.False(pod.Metadata.Labels.ContainsKey(FleetLabels.Fleet));
        Assert.Equal("fleet-k", pod.Metadata.Labels[ProbeSession.ProbeLabel]);
        Assert.Contains(_api.Proxied, p => p.Target == $"{pod.Metadata.Name}:{_operatorPort}" && p.Path == "status");
        Assert.Equal((pod.Metadata.Name, (int?)0), Assert.Single(_api.Deletes));
        Assert.Empty(_api.Pods);
    }

    [Fact]
    public async Task With_status_via_pod_ip_the_probe_is_read_at_its_pod_ip_and_never_through_the_proxy()
    {
        var kubelet = Kubelet(podIp: "127.0.1.7");
        var spec = Spec($"http://127.0.0.1:{_nodePort}", statusVia: "pod-ip");

        var results = await RemoteAddressProbes.RunAsync(spec, Options(TimeSpan.FromSeconds(60)), TimeProvider.System, CancellationToken.None);

        var findings = RemoteAddressCheck.Evaluate(Assert.Single(results), spec.Node.PostListener).ToList();
        Assert.All(findings, f => Assert.Equal(Severity.Ok, f.Severity));
        Assert.Contains(findings, f => f.Message == $"1 operator address(es) bound there and read from here as the daemon reads them: 0.0.0.0:{_operatorPort} at the pod's IP (status.podIP:{_operatorPort})");
        Assert.Empty(_api.Proxied);
        Assert.Single(kubelet.Ran);
        Assert.Empty(_api.Pods);
    }

    [Fact]
    public async Task A_node_address_the_pods_cannot_reach_is_an_error_naming_the_key_and_what_each_side_dials()
    {
        Kubelet();
        var closed = FreePorts.Next();
        var spec = Spec($"http://127.0.0.1:{closed}");

        var results = await RemoteAddressProbes.RunAsync(spec, Options(TimeSpan.FromSeconds(60)), TimeProvider.System, CancellationToken.None);

        var error = Assert.Single(RemoteAddressCheck.Evaluate(Assert.Single(results), spec.Node.PostListener), f => f.Severity == Severity.Error);
        Assert.Equal(
            $"from there the services would dial the node at 127.0.0.1:{closed} (kubernetes.node-address) and cannot reach it: Connection refused (ConnectionRefused); " +
            $"the daemon, on this machine, dials 127.0.0.1:{_nodePort} (node.post-listener)",
            error.Message);
        Assert.Equal($"probe at pods in namespace {Ns}, disk diskA", error.Subject);
        Assert.Empty(_api.Pods);
    }

    [Fact]
    public async Task A_probe_pod_that_never_starts_is_a_warning_after_the_timeout_and_is_deleted()
    {
        // No kubelet: the pod stays Pending.
        var spec = Spec($"http://127.0.0.1:{_nodePort}");

        var results = await RemoteAddressProbes.RunAsync(spec, Options(TimeSpan.FromSeconds(2)), TimeProvider.System, CancellationToken.None);

        var warning = Assert.Single(RemoteAddressCheck.Evaluate(Assert.Single(results), spec.Node.PostListener));
        Assert.Equal(Severity.Warn, warning.Severity);
        Assert.Equal("the probe ran but it did not report its checks within 2 s", warning.Message);
        Assert.Single(_api.Deletes);
        Assert.Empty(_api.Pods);
    }

    [Fact]
    public async Task Cancelling_doctor_while_the_probe_runs_deletes_the_pod()
    {
        using var cancel = new CancellationTokenSource();
        _api.Kubelet = _ =>
        {
            cancel.Cancel(); // Ctrl-C once the pod exists
            return Task.CompletedTask;
        };
        var spec = Spec($"http://127.0.0.1:{_nodePort}");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RemoteAddressProbes.RunAsync(spec, Options(TimeSpan.FromSeconds(60)), TimeProvider.System, cancel.Token));

        Assert.Single(_api.Deletes);
        Assert.Empty(_api.Pods);
    }

    [Fact]
    public async Task Without_a_probe_image_nothing_is_created_and_the_address_finding_says_why()
    {
        var spec = Spec($"http://127.0.0.1:{_nodePort}", probeImage: null);

        var result = Assert.Single(await RemoteAddressProbes.RunAsync(spec, Options(TimeSpan.FromSeconds(60)), TimeProvider.System, CancellationToken.None));

        Assert.True(result.Skipped);
        Assert.Empty(RemoteAddressCheck.Evaluate(result, spec.Node.PostListener));
        Assert.Empty(_api.CreatedBodies);
        var placements = spec.Services.ToDictionary(s => s.Name, s => ServicePlacement.Of(spec, s));
        var address = Assert.Single(AddressCheck.Evaluate(spec, placements, new Dictionary<string, string> { ["diskA"] = result.Outcome.NotRun! }));
        Assert.EndsWith(
            $"check on that host that 127.0.0.1:{_nodePort} reaches the node; doctor did not check it from there: kubernetes.probe-image is not set (a PostFleet image, e.g. built from packaging/Dockerfile))",
            address.Message,
            StringComparison.Ordinal);
    }

    private FakeKubelet Kubelet(string? podIp = null)
    {
        var kubelet = new FakeKubelet(_api, RepoPaths.PostfleetExecutable, podIp);
        _api.Kubelet = kubelet.RunAsync;
        return kubelet;
    }

    private RemoteProbeOptions Options(TimeSpan timeout) => new(timeout, _api.NewClient);

    private FleetSpec Spec(string nodeAddress, string statusVia = "proxy", string? probeImage = "registry.local/postfleet:test")
    {
        var probe = probeImage is null ? "" : $"  probe-image: {probeImage}";
        var result = FleetConfigLoader.Parse(
            $$"""
            fleet-id: fleet-k
            node: { post-listener: http://127.0.0.1:{{_nodePort}}, data-dir: node_data }
            runtime: kubernetes
            kubernetes:
              namespace: {{Ns}}
              host-network: true
              status-via: {{statusVia}}
              node-address: {{nodeAddress}}
            {{probe}}
              disks: { diskA: { node: worker-1 } }
            disks:
              - name: diskA
                services: [ { name: a1, dir: /srv/diskA/a1, num-units: 4, operator: 0.0.0.0:{{_operatorPort}} } ]
            """,
            _dir.Path,
            Path.Combine(_dir.Path, "postfleet.yaml"));
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Spec!;
    }

}
