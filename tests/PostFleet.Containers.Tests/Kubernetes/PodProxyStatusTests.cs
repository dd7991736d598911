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
using PostFleet.Core.Ports;
using PostFleet.Daemon.Loop;
using PostFleet.Runtime.Kubernetes;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Kubernetes;

/// <summary>
/// A pod's /status is read through the API server's pod proxy (pods/{name}:{port}/proxy/status), which forwards to
/// the pod's IP; the daemon never dials the operator address itself. The pod's operator API is a real HTTP server
/// answering post-service's /status bodies on the pod network (127.0.0.1 in the fake).
/// </summary>
public sealed class PodProxyStatusTests : IAsyncLifetime
{
    private const string Ns = "spacemesh";

    private readonly TempDirectory _temp = new("pf-k8s-proxy");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<string> _operatorHits = new();
    private readonly int _operatorPort = FreePorts.Next();
    private FakeKubernetesApi _api = null!;
    private WebApplication? _operator;
    private string _body = """{"Proving":{"nonces":{"start":0,"end":128},"position":4096}}""";

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync()
    {
        if (_operator is not null)
        {
            await _operator.DisposeAsync();
        }

        await _api.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task The_daemons_status_reader_for_pods_goes_through_the_pod_proxy_and_never_dials_the_operator_address()
    {
        await StartOperatorAsync();
        var runtime = Runtime();
        var run = await StartRunningAsync(runtime, "id-01");
        var reader = StatusReaders.For(runtime, new RefusingOperators());

        var status = await reader.ReadStatusAsync(Service("id-01", $"0.0.0.0:{_operatorPort}"), run, CancellationToken.None);

        Assert.Equal(new ServiceStatus.Proving(0, 128, 4096), status);
        Assert.Equal((Ns, $"{Name(run)}:{_operatorPort}", "status"), Assert.Single(_api.Proxied));
        Assert.Equal("/status", Assert.Single(_operatorHits));
    }

    [Fact]
    public async Task Every_status_of_a_pod_is_read_through_the_proxy_as_the_service_moves_on()
    {
        await StartOperatorAsync();
        var runtime = Runtime();
        var run = await StartRunningAsync(runtime, "id-01");
        var service = Service("id-01", $"0.0.0.0:{_operatorPort}");

        List<ServiceStatus> seen = [];
        foreach (var body in new[] { "\"Idle\"", """{"Proving":{"nonces":{"start":0,"end":16},"position":0}}""", "\"DoneProving\"" })
        {
            _body = body;
            seen.Add(await runtime.ReadStatusAsync(service, run, CancellationToken.None));
        }

        Assert.Equal([new ServiceStatus.Idle(), new ServiceStatus.Proving(0, 16, 0), new ServiceStatus.DoneProving()], seen);
        Assert.Equal(3, _api.Proxied.Count);
        Assert.Equal(3, _operatorHits.Count);
    }

    [Fact]
    public async Task A_pending_pod_without_an_ip_is_unreachable_with_the_api_servers_reason()
    {
        var runtime = Runtime();
        var pending = await runtime.StartAsync(Launch("id-01"), CancellationToken.None);

        var status = await runtime.ReadStatusAsync(Service("id-01", $"0.0.0.0:{_operatorPort}"), pending, CancellationToken.None);

        var unreachable = Assert.IsType<ServiceStatus.Unreachable>(status);
        Assert.Contains("HTTP 400", unreachable.Reason, StringComparison.Ordinal);
        Assert.Contains("address not allowed", unreachable.Reason, StringComparison.Ordinal);
        Assert.Contains($"{Ns}/{Name(pending)}:{_operatorPort}", unreachable.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_pod_with_nothing_on_its_operator_port_is_unreachable_with_503()
    {
        var runtime = Runtime();
        var run = await StartRunningAsync(runtime, "id-01");

        var status = await runtime.ReadStatusAsync(Service("id-01", $"0.0.0.0:{_operatorPort}"), run, CancellationToken.None);

        var unreachable = Assert.IsType<ServiceStatus.Unreachable>(status);
        Assert.Contains("HTTP 503", unreachable.Reason, StringComparison.Ordinal);
        Assert.Contains("error trying to reach service", unreachable.Reason, StringComparison.Ordinal);
        Assert.Empty(_operatorHits);
    }

    [Fact]
    public async Task A_deleted_pod_is_unreachable_with_404()
    {
        var runtime = Runtime();
        var run = await StartRunningAsync(runtime, "id-01");
        await runtime.ForgetAsync(run, CancellationToken.None);

        var status = await runtime.ReadStatusAsync(Service("id-01", $"0.0.0.0:{_operatorPort}"), run, CancellationToken.None);

        Assert.Contains("HTTP 404", Assert.IsType<ServiceStatus.Unreachable>(status).Reason, StringComparison.Ordinal);
    }

    private async Task StartOperatorAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, _operatorPort));
        _operator = builder.Build();
        _operator.MapGet("/status", (HttpRequest request) =>
        {
            _operatorHits.Enqueue(request.Path);
            return Results.Text(_body, "application/json");
        });
        await _operator.StartAsync();
    }

    private async Task<RuntimeInstance> StartRunningAsync(KubernetesRuntime runtime, string service)
    {
        var run = await runtime.StartAsync(Launch(service), CancellationToken.None);
        _api.SetRunning(Ns, Name(run));
        return run;
    }

    private static string Name(RuntimeInstance run) => run.InstanceId.Split('/')[1];

    private KubernetesRuntime Runtime() => new(
        new KubernetesRuntimeOptions { FleetId = "fleet-1", Namespace = Ns, ServiceDisks = ImmutableDictionary<string, string>.Empty.Add("id-01", "disk-a") },
        _api.NewClient(),
        _time);

    private ServiceLaunch Launch(string name) =>
        new(name, "/usr/local/bin/post-service", ["--address", "http://node.spacemesh:9094", "--dir", "/srv/disk-a/" + name], "/srv/disk-a/" + name, Path.Combine(_temp.Path, "logs"));

    private static ServiceSpec Service(string name, string operatorAddress) => new(name, "disk-a", "/srv/disk-a/" + name, 4, operatorAddress, [], 0);

    /// <summary>A direct read would be a bug here: the pod's address is the cluster's, not the daemon's.</summary>
    private sealed class RefusingOperators : IPostStatusClient
    {
        public Task<ServiceStatus> GetStatusAsync(string operatorAddress, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"the daemon dialled {operatorAddress} itself instead of using the pod proxy");
    }
}
