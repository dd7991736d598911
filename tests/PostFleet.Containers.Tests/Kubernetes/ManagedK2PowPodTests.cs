using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.K2Pow;
using PostFleet.Daemon.Runtimes;
using PostFleet.Runtime.Docker;
using PostFleet.Runtime.Kubernetes;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Kubernetes;

/// <summary>
/// k2pow.managed on runtime: kubernetes, against the fake API server whose kubelet runs each pod's command as a local
/// process: the image's ENTRYPOINT is this build's <c>postfleet sim k2pow-service</c>, so every worker pod is a real
/// simulated k2pow-service. The pods carry the workers' own fleet id, the router reaches them through the pod proxy,
/// a removed or failed pod is created again after the backoff, and a new daemon adopts the pods it finds.
/// </summary>
public sealed class ManagedK2PowPodTests : IAsyncLifetime
{
    private const string Ns = "spacemesh";
    private const string Image = "registry.local/k2pow-service:test";

    private readonly TempDirectory _temp = new("pf-k8s-k2pow");
    private FakeKubernetesApi _api = null!;
    private volatile bool _failNext;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var pod in _api.Pods)
        {
            // Deleting a pod ends its process (the fake kubelet kills it).
            await _api.NewClient().CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, Ns, gracePeriodSeconds: 0);
        }

        await Eventually.UntilAsync(() => Task.FromResult(_api.Pods.Count == 0), "every worker pod gone", Eventually.DefaultTimeout);
        await _api.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Worker_pods_answer_through_the_pod_proxy_are_recreated_after_the_backoff_and_adopted()
    {
        StartKubelet();
        var port = FreePorts.NextRun(2);
        var fleet = Config(port);
        // validate requires a wildcard bind on Kubernetes; here the pod network is this machine, which binds loopback only.
        var managed = fleet.K2Pow!.Managed! with { Listen = new IPEndPoint(IPAddress.Loopback, port) };
        var schedule = fleet.Schedule with { RestartBackoffInitial = TimeSpan.FromSeconds(1), RestartBackoffMax = TimeSpan.FromSeconds(2) };
        var options = ManagedWorkers.KubernetesOptions(fleet, managed);
        var workers = Workers(options, managed, schedule);

        await workers.ReconcileAsync(CancellationToken.None);

        // Two pods of the image with the k2pow-service flags as args, nothing mounted, restartPolicy Never, labelled
        // as the workers' own fleet.
        var pods = _api.Pods.OrderBy(p => p.Metadata.Annotations[FleetLabels.Service]).ToList();
        Assert.Equal(["k2pow-1", "k2pow-2"], pods.Select(p => p.Metadata.Labels[FleetLabels.Service]));
        foreach (var (pod, i) in pods.Select((p, i) => (p, i)))
        {
            var container = Assert.Single(pod.Spec.Containers);
            Assert.Equal(["-b", $"127.0.0.1:{port + i}", "--cores", "1", "--randomx-mode", "fast"], container.Args);
            Assert.Equal(Image, container.Image);
            Assert.Equal("k2pow-service", container.Name);
            Assert.Null(container.VolumeMounts);
            Assert.Null(pod.Spec.Volumes);
            Assert.Null(pod.Spec.NodeSelector);
            Assert.Equal("Never", pod.Spec.RestartPolicy);
            Assert.True(pod.Spec.HostNetwork);
            Assert.Equal(Ns, pod.Metadata.NamespaceProperty);
            Assert.Equal("fleet-k.k2pow", pod.Metadata.Labels[FleetLabels.Fleet]);
            Assert.Equal("smeshing", pod.Metadata.Labels["team"]);
        }

        // The router's client, through the route the pool gives it: the worker's configured address is never dialled,
        // every request goes through the API server's pod proxy to the running pod.
        using var route = ManagedWorkers.RouteFor(options, _api.NewClient(), managed, TimeProvider.System);
        using var http = new HttpClient(route) { Timeout = TimeSpan.FromSeconds(10) };
        var client = new WorkerClient(http);
        foreach (var worker in managed.Expand())
        {
            await Eventually.UntilAsync(async () => (await client.HealthAsync(worker.Url, CancellationToken.None)).Healthy, $"{worker.Name} to answer GET / through the pod proxy", Eventually.DefaultTimeout);
        }

        Assert.Contains(_api.Proxied, p => p.Target == $"{PodOf("k2pow-1").Metadata.Name}:{port}" && p.Path == "");
        var job = new K2PowJobKey(new string('a', 64), 0, new string('b', 16), new string('0', 2) + new string('f', 62));
        var reply = await client.AskAsync(managed.Expand().First().Url, job, CancellationToken.None);
        Assert.True(reply.Kind is WorkerReplyKind.Working or WorkerReplyKind.Done, $"{reply.Kind} {reply.Status}: {reply.Body}");
        Assert.Contains(_api.Proxied, p => p.Path == job.Path.TrimStart('/'));

        // The post-services' runtime (the fleet id alone) never lists a worker pod, so it can neither adopt nor stop one.
        var services = new KubernetesRuntime(RuntimeFactory.KubernetesOptions(fleet), _api.NewClient(), TimeProvider.System);
        Assert.Empty(await services.ListAsync(CancellationToken.None));

        // A deleted pod is gone from the list: the worker ended, and it is created again only after the backoff.
        var deleted = PodOf("k2pow-1").Metadata.Name;
        await _api.NewClient().CoreV1.DeleteNamespacedPodAsync(deleted, Ns, gracePeriodSeconds: 0);
        await workers.ReconcileAsync(CancellationToken.None);
        Task RestartedAsync(int restarts, string what) => Eventually.UntilAsync(
            async () =>
            {
                await workers.ReconcileAsync(CancellationToken.None);
                return workers.StateOf("k2pow-1")?.Restarts == restarts && (await client.HealthAsync(managed.Expand().First().Url, CancellationToken.None)).Healthy;
            },
            what,
            Eventually.DefaultTimeout);
        Assert.Contains("is gone", workers.StateOf("k2pow-1")!.LastExit, StringComparison.Ordinal);
        Assert.NotNull(workers.StateOf("k2pow-1")!.NextStartAt);
        Assert.DoesNotContain(_api.Pods, p => p.Metadata.Labels[FleetLabels.Service] == "k2pow-1");
        await RestartedAsync(1, "the deleted worker's pod created again and healthy");
        Assert.NotEqual(deleted, PodOf("k2pow-1").Metadata.Name);

        // A pod that fails (its container exits 1) is deleted and replaced after the backoff, like a crashed process.
        _failNext = true;
        await _api.NewClient().CoreV1.DeleteNamespacedPodAsync(PodOf("k2pow-1").Metadata.Name, Ns, gracePeriodSeconds: 0);
        await RestartedAsync(3, "the failed worker pod replaced and healthy");
        Assert.Contains(_api.Deletes, d => d.GracePeriodSeconds == 0 && d.Name != deleted);

        // A new daemon adopts both running pods by their labels: none created, none restarted.
        var before = _api.Pods.Select(p => p.Metadata.Name).Order().ToList();
        var adopting = Workers(options, managed, schedule);
        await adopting.ReconcileAsync(CancellationToken.None);
        Assert.Equal(before, _api.Pods.Select(p => p.Metadata.Name).Order().ToList());
        Assert.All(new[] { "k2pow-1", "k2pow-2" }, name => Assert.Equal(0, adopting.StateOf(name)!.Restarts));
    }

    [Fact]
    public void Kubernetes_workers_need_an_image_and_a_wildcard_bind()
    {
        var noImage = FleetConfigLoader.Parse(Yaml(3100, image: null), _temp.Path, "test.yaml");
        var error = Assert.Single(noImage.Errors);
        Assert.Equal("k2pow.managed.image", error.Path);
        Assert.Contains("required with runtime: kubernetes", error.Message, StringComparison.Ordinal);

        var loopback = FleetConfigLoader.Parse(Yaml(3100, Image, "127.0.0.1"), _temp.Path, "test.yaml");
        error = Assert.Single(loopback.Errors);
        Assert.Equal("k2pow.managed.listen", error.Path);
        Assert.Contains("bind 0.0.0.0:3100", error.Message, StringComparison.Ordinal);
    }

    private ManagedWorkers Workers(KubernetesRuntimeOptions options, ManagedWorkersSpec managed, ScheduleLimits schedule) =>
        new(managed, schedule, new KubernetesRuntime(options, _api.NewClient(), TimeProvider.System), _temp.Combine("logs"), TimeProvider.System, NullLogger.Instance);

    private V1Pod PodOf(string worker) =>
        _api.Pods.Single(p => p.Metadata.Labels[FleetLabels.Service] == worker && p.Status?.Phase is "Pending" or "Running");

    /// <summary>The image's ENTRYPOINT: this build's simulated k2pow-service; a pod created while <see cref="_failNext"/> exits 1 at once.</summary>
    private void StartKubelet()
    {
        var entrypoint = _temp.Combine("k2pow-service");
        File.WriteAllText(entrypoint, $"#!/bin/sh\nexec '{RepoPaths.PostfleetExecutable}' sim k2pow-service \"$@\"\n");
        File.SetUnixFileMode(entrypoint, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var kubelet = new FakeKubelet(_api, entrypoint);
        _api.Kubelet = pod =>
        {
            if (!_failNext)
            {
                return kubelet.RunAsync(pod);
            }

            _failNext = false;
            _api.SetExited(pod.Metadata.NamespaceProperty, pod.Metadata.Name, 1);
            return Task.CompletedTask;
        };
    }

    private FleetSpec Config(int port)
    {
        var result = FleetConfigLoader.Parse(Yaml(port, Image), _temp.Path, "test.yaml");
        Assert.True(result.IsValid, string.Join("\n", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return result.Spec!;
    }

    private string Yaml(int port, string? image, string bind = "0.0.0.0") =>
        ManagedK2PowFleetYaml.With(
            $"fleet-id: fleet-k\nruntime: kubernetes\nkubernetes:\n  namespace: {Ns}\n  host-network: true\n  labels: {{ team: smeshing }}",
            _temp,
            $"0.0.0.0:{FreePorts.Next()}",
            port,
            image,
            bind);
}
