using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Model;
using PostFleet.Runtime.Kubernetes;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Kubernetes;

public sealed class KubernetesRuntimeTests : IAsyncLifetime
{
    private const string Ns = "spacemesh";
    private static readonly DateTimeOffset s_now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _temp = new("pf-k8s");
    private readonly FakeTimeProvider _time = new(s_now);
    private FakeKubernetesApi _api = null!;
    private int _runIds;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Pod_for_a_local_disk_matches_its_snapshot()
    {
        var runtime = Runtime(Options() with
        {
            ServiceAccount = "post-service",
            Disks = ImmutableDictionary<string, KubernetesDiskPlacement>.Empty.Add("disk-a", KubernetesDiskPlacement.OnNode("worker-1")),
        });

        await runtime.StartAsync(Launch("id-01", "/srv/disk-a/id-01"), CancellationToken.None);

        Snapshots.AssertMatches("pod-hostpath", Assert.Single(_api.CreatedBodies), Normalise);
    }

    [Fact]
    public async Task Pod_for_a_claim_with_host_network_and_mtls_files_matches_its_snapshot()
    {
        var placement = new KubernetesDiskPlacement(
            ImmutableDictionary<string, string>.Empty.Add("postfleet.io/disk", "b"),
            new KubernetesVolume.PersistentVolumeClaim("post-disk-b", "/mnt/disk-b"));
        var runtime = Runtime(Options() with
        {
            HostNetwork = true,
            Image = "registry.local/post-service:v0.8.5",
            Labels = ImmutableDictionary<string, string>.Empty.Add("team", "smeshing"),
            ServiceDisks = ImmutableDictionary<string, string>.Empty.Add("Node 2.key-ish", "disk-b"),
            Disks = ImmutableDictionary<string, KubernetesDiskPlacement>.Empty.Add("disk-b", placement),
        });

        var launch = Launch("Node 2.key-ish", "/mnt/disk-b/ids/node2", "--dir=/mnt/disk-b/ids/node2") with
        {
            Files = ["/etc/postfleet/tls/ca.pem", "/etc/postfleet/tls/worker-b.pem", "/etc/postfleet/tls/worker-b.key", "/etc/postfleet/tls/ca.pem"],
        };
        await runtime.StartAsync(launch, CancellationToken.None);

        Snapshots.AssertMatches("pod-pvc-hostnetwork-mtls", Assert.Single(_api.CreatedBodies), Normalise);
    }

    [Fact]
    public async Task Pod_with_a_tls_secret_mounts_it_and_names_its_files_instead_of_the_nodes()
    {
        var runtime = Runtime(Options() with
        {
            TlsSecret = "post-tls",
            Disks = ImmutableDictionary<string, KubernetesDiskPlacement>.Empty.Add("disk-a", KubernetesDiskPlacement.OnNode("worker-1")),
        });
        var launch = Launch("id-01", "/srv/disk-a/id-01") with
        {
            Arguments =
            [
                "--address", "https://node.spacemesh:9094", "--dir", "/srv/disk-a/id-01", "--threads", "1", "--nonces", "128",
                "--ca-cert", "/etc/postfleet/tls/ca.pem", "--cert=/etc/postfleet/tls/worker-1.pem", "--key", "/etc/postfleet/tls/worker-1.key",
            ],
            Files = ["/etc/postfleet/tls/ca.pem", "/etc/postfleet/tls/worker-1.pem", "/etc/postfleet/tls/worker-1.key"],
        };

        await runtime.StartAsync(launch, CancellationToken.None);

        Snapshots.AssertMatches("pod-hostpath-tls-secret", Assert.Single(_api.CreatedBodies), Normalise);
    }

    [Fact]
    public async Task A_tls_secret_is_not_mounted_for_a_service_without_tls()
    {
        var runtime = Runtime(Options() with { TlsSecret = "post-tls" });

        await runtime.StartAsync(Launch("id-01", "/srv/disk-a/id-01"), CancellationToken.None);

        var body = Assert.Single(_api.CreatedBodies);
        Assert.DoesNotContain("post-tls", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"secret\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_list_stop_follows_the_pod_through_its_phases_until_it_is_deleted()
    {
        var runtime = Runtime(Options());
        var started = await runtime.StartAsync(Launch("id-01", "/srv/disk-a/id-01"), CancellationToken.None);
        var podName = started.InstanceId.Split('/')[1];
        Assert.Equal($"{Ns}/pf-id-01-run0001", started.InstanceId);
        Assert.True(started.Running, "a Pending pod may start any moment: it counts as running");
        Assert.Equal(Path.Combine(_temp.Path, "logs", "id-01-20260301T120000Z.log"), started.LogPath);

        var pending = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.Equal(started with { StartedAt = pending.StartedAt }, pending);

        _api.SetRunning(Ns, podName);
        var running = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.True(running.Running);
        Assert.Equal(s_now.AddSeconds(5), running.StartedAt); // status.startTime once the kubelet has it

        _api.SetLog(Ns, podName, "[2026-03-01T12:00:05Z INFO  post_service::client] connecting\n");
        await runtime.StopAsync(running, TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal((podName, (int?)20), Assert.Single(_api.Deletes));
        Assert.Contains("connecting", await File.ReadAllTextAsync(running.LogPath!), StringComparison.Ordinal);

        // Stopping is declarative: while the kubelet terminates the pod it is still listed, and only then gone.
        Assert.True(Assert.Single(await runtime.ListAsync(CancellationToken.None)).Running);
        _api.FinishTermination(Ns, podName);
        Assert.Empty(await runtime.ListAsync(CancellationToken.None));

        await runtime.StopAsync(running, TimeSpan.FromSeconds(20), CancellationToken.None); // already gone: no error
    }

    [Fact]
    public async Task A_live_pods_log_tail_comes_from_the_api_server_and_a_pending_pod_has_none()
    {
        var runtime = Runtime(Options());
        var started = await runtime.StartAsync(Launch("id-01", "/srv/disk-a/id-01"), CancellationToken.None);
        Assert.Empty(await runtime.ReadLogTailAsync(started, 5, CancellationToken.None)); // ContainerCreating: 400 from the API

        _api.SetRunning(Ns, Name(started));
        _api.SetLog(Ns, Name(started), string.Concat(Enumerable.Range(1, 30).Select(i => $"line {i}\n")));
        var tail = await runtime.ReadLogTailAsync(started, 3, CancellationToken.None);

        Assert.Equal(["line 28", "line 29", "line 30"], tail);
        Assert.False(File.Exists(started.LogPath!), "reading the tail must not need (or write) the local copy");
    }

    [Fact]
    public async Task A_new_runtime_adopts_the_pods_of_an_earlier_one_and_reports_how_they_ended()
    {
        var first = Runtime(Options());
        var one = await first.StartAsync(Launch("id-01", "/srv/disk-a/id-01"), CancellationToken.None);
        var two = await first.StartAsync(Launch("id-02", "/srv/disk-a/id-02"), CancellationToken.None);
        var other = Runtime(Options() with { FleetId = "another-fleet" });
        await other.StartAsync(Launch("id-01", "/srv/disk-z/id-01"), CancellationToken.None);
        _api.SetRunning(Ns, Name(one));
        _api.SetRunning(Ns, Name(two));
        _api.SetExited(Ns, Name(two), exitCode: 1);
        _api.SetLog(Ns, Name(two), "Error: max retries (10) reached\n");

        var adopting = Runtime(Options());
        var runs = (await adopting.ListAsync(CancellationToken.None)).OrderBy(r => r.ServiceName, StringComparer.Ordinal).ToList();

        Assert.Equal(["id-01", "id-02"], runs.Select(r => r.ServiceName));
        Assert.Equal([one.InstanceId, two.InstanceId], runs.Select(r => r.InstanceId));
        Assert.Equal([one.LogPath, two.LogPath], runs.Select(r => r.LogPath));
        Assert.True(runs[0].Running);
        Assert.Null(runs[0].ExitCode);
        Assert.False(runs[1].Running);
        Assert.Equal(1, runs[1].ExitCode);

        await adopting.ForgetAsync(runs[1], CancellationToken.None);
        Assert.Equal((Name(two), (int?)0), _api.Deletes.Last());
        Assert.Contains("max retries", await File.ReadAllTextAsync(two.LogPath!), StringComparison.Ordinal);
        Assert.Equal([one.InstanceId], (await adopting.ListAsync(CancellationToken.None)).Select(r => r.InstanceId));
        Assert.Equal(3 - 1, _api.Pods.Count); // the other fleet's pod is untouched
    }

    private static string Name(RuntimeInstance run) => run.InstanceId.Split('/')[1];

    private Dictionary<string, string> Normalise => new() { [_temp.Path] = "$TEMP" };

    private KubernetesRuntimeOptions Options() => new()
    {
        FleetId = "fleet-1",
        Namespace = Ns,
        DefaultStopGrace = TimeSpan.FromSeconds(45),
        ServiceDisks = ImmutableDictionary<string, string>.Empty.Add("id-01", "disk-a").Add("id-02", "disk-a"),
    };

    private KubernetesRuntime Runtime(KubernetesRuntimeOptions options) =>
        new(options, _api.NewClient(), _time, () => $"run{Interlocked.Increment(ref _runIds):0000}");

    private ServiceLaunch Launch(string name, string dataDir, string dirArgument = "--dir") =>
        new(
            name,
            "/usr/local/bin/post-service",
            dirArgument.Contains('=', StringComparison.Ordinal)
                ? ["--address", "http://127.0.0.1:9094", dirArgument, "--threads", "1", "--nonces", "128"]
                : ["--address", "http://127.0.0.1:9094", "--dir", dataDir, "--threads", "1", "--nonces", "128"],
            dataDir,
            Path.Combine(_temp.Path, "logs"));
}
