using Docker.DotNet.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.K2Pow;
using PostFleet.Daemon.Runtimes;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Docker;

/// <summary>
/// k2pow.managed on runtime: docker, against the real engine: the workers run as containers of the simulated
/// k2pow-service image (built offline from this build by docker/post-service-sim/build-sim-image.sh --program
/// k2pow-service), labelled as a fleet of their own so post-service adoption never lists them, started again with
/// backoff when one dies, and adopted, not duplicated, by a new daemon.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ManagedK2PowWorkerTests(DockerEngineFixture engine) : IDisposable
{
    private const string Image = "postfleet/k2pow-service-sim:test";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly TempDirectory _temp = new("pf-k2pow-docker");
    private readonly string _fleet = engine.FleetPrefix + "-" + Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task Managed_workers_run_as_labelled_containers_are_restarted_with_backoff_and_adopted()
    {
        engine.EnsureAvailable();
        await BuildImageAsync();
        var port = FreePorts.NextRun(2);
        var spec = Config(port);
        var managed = spec.K2Pow!.Managed!;
        var schedule = spec.Schedule with { RestartBackoffInitial = TimeSpan.FromSeconds(1), RestartBackoffMax = TimeSpan.FromSeconds(2) };
        var folder = _temp.Combine("k2pow");
        var runtime = ManagedWorkers.RuntimeFor(spec, managed, folder, TimeProvider.System, NullLoggerFactory.Instance);
        var workers = new ManagedWorkers(managed, schedule, runtime, Path.Combine(folder, "logs"), TimeProvider.System, NullLogger.Instance);

        await workers.ReconcileAsync(CancellationToken.None);

        // Two containers with the k2pow-service flags as CMD, nothing mounted, on the host network, labelled as
        // the workers' own fleet; each answers k2pow-service's health check on its -b address.
        var containers = await WorkerContainersAsync();
        Assert.Equal(["k2pow-1", "k2pow-2"], containers.Select(c => c.Labels[FleetLabels.Service]).Order());
        foreach (var (container, i) in containers.OrderBy(c => c.Labels[FleetLabels.Service]).Select((c, i) => (c, i)))
        {
            var inspected = await engine.Client.Containers.InspectContainerAsync(container.ID);
            Assert.Equal(["-b", $"127.0.0.1:{port + i}", "--cores", "1", "--randomx-mode", "fast"], inspected.Config.Cmd);
            Assert.Equal(Image, inspected.Config.Image);
            Assert.Empty(inspected.Mounts);
            Assert.Equal("host", inspected.HostConfig.NetworkMode);
            Assert.True(inspected.HostConfig.Init);
            var workerPort = port + i;
            Func<Task<bool>> healthy = () => HealthyAsync(workerPort);
            await Eventually.UntilAsync(healthy, $"worker {i + 1} to answer GET / on 127.0.0.1:{workerPort}", Eventually.DefaultTimeout);
        }

        // The post-services' runtime (the fleet id alone) never sees a worker, so it can neither adopt nor stop one.
        await using (var services = (DockerRuntime)RuntimeFactory.Create(spec, TimeProvider.System, NullLoggerFactory.Instance))
        {
            Assert.Empty(await services.ListAsync(CancellationToken.None));
        }

        // A worker that dies is started again after the backoff.
        var victim = containers.Single(c => c.Labels[FleetLabels.Service] == "k2pow-1");
        await engine.Client.Containers.KillContainerAsync(victim.ID, new ContainerKillParameters { Signal = "SIGKILL" });
        Func<Task<bool>> restarted = async () =>
        {
            await workers.ReconcileAsync(CancellationToken.None);
            return workers.StateOf("k2pow-1") is { Restarts: 1 } && await HealthyAsync(port);
        };
        await Eventually.UntilAsync(restarted, "the killed worker started again and healthy", Eventually.DefaultTimeout);
        Assert.Contains("exited with code", workers.StateOf("k2pow-1")!.LastExit, StringComparison.Ordinal);
        Assert.Equal(2, (await WorkerContainersAsync()).Count(c => c.State == "running"));

        // A new daemon adopts both running workers by their labels: no container is added, none restarted.
        var before = (await WorkerContainersAsync()).Where(c => c.State == "running").Select(c => c.ID).Order().ToList();
        var adopting = new ManagedWorkers(managed, schedule, ManagedWorkers.RuntimeFor(spec, managed, folder, TimeProvider.System, NullLoggerFactory.Instance),
            Path.Combine(folder, "logs"), TimeProvider.System, NullLogger.Instance);
        await adopting.ReconcileAsync(CancellationToken.None);
        Assert.Equal(before, (await WorkerContainersAsync()).Where(c => c.State == "running").Select(c => c.ID).Order().ToList());
        Assert.All(new[] { "k2pow-1", "k2pow-2" }, name => Assert.Equal(0, adopting.StateOf(name)!.Restarts));

        await adopting.StopAllAsync(TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(await WorkerContainersAsync(), c => c.State == "running");
    }

    [Fact]
    public void Docker_workers_need_an_image()
    {
        var noImage = FleetConfigLoader.Parse(Yaml(3100, "docker", image: null), _temp.Path, "test.yaml");
        var error = Assert.Single(noImage.Errors);
        Assert.Equal("k2pow.managed.image", error.Path);
        Assert.Contains("required with runtime: docker", error.Message, StringComparison.Ordinal);
    }

    private FleetSpec Config(int port)
    {
        var result = FleetConfigLoader.Parse(Yaml(port, "docker", Image), _temp.Path, "test.yaml");
        Assert.True(result.IsValid, string.Join("\n", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return result.Spec!;
    }

    private string Yaml(int port, string runtime, string? image) =>
        ManagedK2PowFleetYaml.With($"fleet-id: {_fleet}\nruntime: {runtime}", _temp, "127.0.0.1:10051", port, image, "127.0.0.1");

    private async Task<IList<ContainerListResponse>> WorkerContainersAsync() =>
        await engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{FleetLabels.Fleet}={_fleet}{ManagedWorkers.FleetIdSuffix}"] = true } },
        });

    private static async Task<bool> HealthyAsync(int port)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task BuildImageAsync()
    {
        var failed = await SimImages.BuildAsync(Image, "--program", "k2pow-service");
        Assert.True(failed is null, failed);
    }

    public void Dispose() => _temp.Dispose();
}
