using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Daemon.K2Pow;
using PostFleet.Runtime.Kubernetes;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Kubernetes;

/// <summary>
/// How the router's requests reach a worker pod (<see cref="PodWorkerRoute"/>): the worker's configured address is a
/// wildcard bind inside its pod, never dialled; with status-via pod-ip the request goes to the pod's IP, and what the
/// worker answers (here a stand-in HTTP server on that IP, 127.0.1.x of this machine) comes back unchanged, while a
/// failure of the API server's proxy or a worker without a running pod is a connection error.
/// </summary>
public sealed class PodWorkerRouteTests : IAsyncLifetime
{
    private const string Ns = "spacemesh";
    private const string PodIp = "127.0.1.9";

    private readonly int _port = FreePorts.Next();
    private readonly ConcurrentQueue<string> _workerHits = new();
    private FakeKubernetesApi _api = null!;
    private WebApplication? _worker;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        await _api.DisposeAsync();
    }

    [Fact]
    public async Task With_status_via_pod_ip_requests_go_to_the_pods_ip_and_the_workers_answers_come_back_unchanged()
    {
        await StartWorkerAsync(IPAddress.Parse(PodIp));
        var (client, url) = await RunningWorkerAsync(PodStatusRoute.PodIp);
        var listsBefore = _api.Lists;

        Assert.True((await client.HealthAsync(url, CancellationToken.None)).Healthy);
        var job = new K2PowJobKey(new string('a', 64), 3, new string('b', 16), new string('f', 64));
        var busy = await client.AskAsync(url, job, CancellationToken.None);
        var again = await client.AskAsync(url, job, CancellationToken.None);

        Assert.Equal((WorkerReplyKind.Busy, 429, "busy with another job"), (busy.Kind, busy.Status, busy.Body));
        Assert.Equal(WorkerReplyKind.Busy, again.Kind);
        Assert.Equal(["/", job.Path, job.Path], _workerHits);
        Assert.Empty(_api.Proxied);

        // The router polls often: the worker's pod is looked up once, not for every request.
        Assert.Equal(1, _api.Lists - listsBefore);
    }

    [Fact]
    public async Task Through_the_proxy_a_worker_answer_passes_and_the_api_servers_own_failure_is_unreachable()
    {
        var (client, url) = await RunningWorkerAsync(PodStatusRoute.Proxy);

        // Nothing listens behind the pod: the API server answers 503 with a Status, which is no worker's answer.
        var down = await client.AskAsync(url, new K2PowJobKey(new string('a', 64), 0, new string('b', 16), new string('f', 64)), CancellationToken.None);
        Assert.Equal(WorkerReplyKind.Unreachable, down.Kind);
        Assert.Contains("HTTP 503 from the pod proxy", down.Body, StringComparison.Ordinal);

        await StartWorkerAsync(IPAddress.Loopback);
        var busy = await client.AskAsync(url, new K2PowJobKey(new string('a', 64), 0, new string('b', 16), new string('f', 64)), CancellationToken.None);
        Assert.Equal((WorkerReplyKind.Busy, "busy with another job"), (busy.Kind, busy.Body));
    }

    [Fact]
    public async Task A_worker_without_a_running_pod_is_unreachable()
    {
        var options = Options(PodStatusRoute.Proxy);
        using var route = ManagedWorkers.RouteFor(options, _api.NewClient(), Spec(), TimeProvider.System);
        using var http = new HttpClient(route);

        var (healthy, detail) = await new WorkerClient(http).HealthAsync(Spec().Expand().Single().Url, CancellationToken.None);

        Assert.False(healthy);
        Assert.Contains("k2pow worker k2pow-1 has no running pod in namespace spacemesh", detail, StringComparison.Ordinal);
    }

    private async Task<(WorkerClient Client, Uri Url)> RunningWorkerAsync(PodStatusRoute via)
    {
        var options = Options(via);
        var runtime = new KubernetesRuntime(options, _api.NewClient(), TimeProvider.System);
        var spec = Spec();
        var run = await runtime.StartAsync(new ServiceLaunch("k2pow-1", "k2pow-service", spec.Arguments(0), "/tmp", "/tmp"), CancellationToken.None);
        _api.SetRunning(Ns, run.InstanceId.Split('/')[1], via == PodStatusRoute.PodIp ? PodIp : null);
        var route = ManagedWorkers.RouteFor(options, _api.NewClient(), spec, TimeProvider.System);
        return (new WorkerClient(new HttpClient(route) { Timeout = TimeSpan.FromSeconds(10) }), spec.Expand().Single().Url);
    }

    private ManagedWorkersSpec Spec() => new("k2pow-service", 1, 1, "fast", new IPEndPoint(IPAddress.Any, _port)) { Image = "k2pow:test" };

    private static KubernetesRuntimeOptions Options(PodStatusRoute via) => new()
    {
        FleetId = "fleet-k.k2pow",
        Namespace = Ns,
        Image = "k2pow:test",
        K2PowWorkers = true,
        StatusVia = via,
    };

    /// <summary>Stands in for k2pow-service on the pod's IP: <c>GET /</c> healthy, every job 429.</summary>
    private async Task StartWorkerAsync(IPAddress on)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(on, _port));
        _worker = builder.Build();
        _worker.MapGet("/", (HttpRequest request) =>
        {
            _workerHits.Enqueue(request.Path);
            return Results.Ok();
        });
        _worker.MapGet("/job/{**rest}", (HttpRequest request) =>
        {
            _workerHits.Enqueue(request.Path);
            return Results.Text("busy with another job", statusCode: 429);
        });
        await _worker.StartAsync();
    }
}
