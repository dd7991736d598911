using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Runtime.Kubernetes;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Kubernetes;

/// <summary>
/// kubernetes.status-via: pod-ip: the daemon reads a pod's /status at the IP the API server reports for it
/// (status.podIP) and the service's operator port, never through the pod proxy and never at the bound 0.0.0.0.
/// The pod network is stood in for by loopback addresses (127.0.1.x), each pod's operator listening on its own IP
/// only, so a read at any other address finds nothing.
/// </summary>
public sealed class PodIpStatusTests : IAsyncLifetime
{
    private const string Ns = "spacemesh";

    private readonly TempDirectory _temp = new("pf-k8s-podip");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly int _port = FreePorts.Next();
    private readonly ConcurrentQueue<string> _hits = new();
    private readonly List<WebApplication> _operators = [];
    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _operators)
        {
            await app.DisposeAsync();
        }

        await _api.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Each_pods_status_is_read_at_its_own_pod_ip_and_never_through_the_proxy()
    {
        await StartOperatorAsync("127.0.1.11", """{"Proving":{"nonces":{"start":0,"end":128},"position":4096}}""");
        await StartOperatorAsync("127.0.1.12", "\"DoneProving\"");
        var runtime = Runtime();
        var one = await StartRunningAsync(runtime, "id-01", "127.0.1.11");
        var two = await StartRunningAsync(runtime, "id-02", "127.0.1.12");

        var first = await runtime.ReadStatusAsync(Service("id-01"), one, CancellationToken.None);
        var second = await runtime.ReadStatusAsync(Service("id-02"), two, CancellationToken.None);

        Assert.Equal(new ServiceStatus.Proving(0, 128, 4096), first);
        Assert.Equal(new ServiceStatus.DoneProving(), second);
        Assert.Equal(["127.0.1.11", "127.0.1.12"], _hits);
        Assert.Empty(_api.Proxied);
    }

    [Fact]
    public async Task A_pod_without_an_ip_yet_is_unreachable_and_says_so()
    {
        var runtime = Runtime();
        var pending = await runtime.StartAsync(Launch("id-01"), CancellationToken.None);

        var status = await runtime.ReadStatusAsync(Service("id-01"), pending, CancellationToken.None);

        Assert.Equal($"pod {Ns}/{Name(pending)} has no IP yet (phase Pending)", Assert.IsType<ServiceStatus.Unreachable>(status).Reason);
        Assert.Empty(_api.Proxied);
    }

    [Fact]
    public async Task A_pod_ip_with_nothing_on_the_port_is_unreachable_naming_that_address()
    {
        var runtime = Runtime();
        var run = await StartRunningAsync(runtime, "id-01", "127.0.1.13");

        var status = await runtime.ReadStatusAsync(Service("id-01"), run, CancellationToken.None);

        Assert.Contains($"127.0.1.13:{_port}", Assert.IsType<ServiceStatus.Unreachable>(status).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_pod_is_unreachable_with_the_api_servers_404()
    {
        var runtime = Runtime();
        var run = await StartRunningAsync(runtime, "id-01", "127.0.1.14");
        await runtime.ForgetAsync(run, CancellationToken.None);

        var status = await runtime.ReadStatusAsync(Service("id-01"), run, CancellationToken.None);

        Assert.StartsWith("HTTP 404 from the API server reading pod", Assert.IsType<ServiceStatus.Unreachable>(status).Reason, StringComparison.Ordinal);
    }

    private async Task StartOperatorAsync(string ip, string body)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(ip), _port));
        var app = builder.Build();
        app.MapGet("/status", () =>
        {
            _hits.Enqueue(ip);
            return Results.Text(body, "application/json");
        });
        await app.StartAsync();
        _operators.Add(app);
    }

    private async Task<RuntimeInstance> StartRunningAsync(KubernetesRuntime runtime, string service, string ip)
    {
        var run = await runtime.StartAsync(Launch(service), CancellationToken.None);
        _api.SetRunning(Ns, Name(run), ip);
        return run;
    }

    private static string Name(RuntimeInstance run) => run.InstanceId.Split('/')[1];

    private KubernetesRuntime Runtime() => new(
        new KubernetesRuntimeOptions
        {
            FleetId = "fleet-1",
            Namespace = Ns,
            StatusVia = PodStatusRoute.PodIp,
            ServiceDisks = ImmutableDictionary<string, string>.Empty.Add("id-01", "disk-a").Add("id-02", "disk-a"),
        },
        _api.NewClient(),
        _time);

    private ServiceLaunch Launch(string name) =>
        new(name, "/usr/local/bin/post-service", ["--address", "http://node.spacemesh:9094", "--dir", "/srv/disk-a/" + name], "/srv/disk-a/" + name, Path.Combine(_temp.Path, "logs"));

    private ServiceSpec Service(string name) => new(name, "disk-a", "/srv/disk-a/" + name, 4, $"0.0.0.0:{_port}", [], 0);
}
