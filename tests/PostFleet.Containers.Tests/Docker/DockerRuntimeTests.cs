using Docker.DotNet;
using Docker.DotNet.Models;
using PostFleet.Core.Model;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Docker;

[Collection(DockerCollection.Name)]
public sealed class DockerRuntimeTests(DockerEngineFixture engine) : IDisposable
{
    private readonly TempDirectory _temp = new("pf-docker");
    private readonly string _fleet = engine.FleetPrefix + "-" + Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task Start_runs_the_container_as_configured()
    {
        engine.EnsureAvailable();
        await using var runtime = Runtime();
        var launch = Launch("id-01");

        var run = await runtime.StartAsync(launch, CancellationToken.None);

        Assert.True(run.Running);
        Assert.Equal("id-01", run.ServiceName);
        var (_, containerId) = Split(run.InstanceId);
        var inspected = await engine.Client.Containers.InspectContainerAsync(containerId);
        Assert.Equal(_fleet, inspected.Config.Labels[FleetLabels.Fleet]);
        Assert.Equal("id-01", inspected.Config.Labels[FleetLabels.Service]);
        Assert.Equal("run-1", inspected.Config.Labels[FleetLabels.Run]);
        Assert.Equal(run.LogPath, inspected.Config.Labels[FleetLabels.LogPath]);
        Assert.True(inspected.HostConfig.Init);
        Assert.Equal("no", inspected.HostConfig.RestartPolicy.Name.ToString().ToLowerInvariant());
        Assert.Equal("host", inspected.HostConfig.NetworkMode);
        Assert.Equal(["--address", "http://127.0.0.1:9094", "--dir", "/post", "--threads", "1"], inspected.Config.Cmd);
        var mount = Assert.Single(inspected.Mounts);
        Assert.Equal((launch.DataDir, "/post", false), (mount.Source, mount.Destination, mount.RW));

        // What the stub saw from inside: the data at /post, which it could not write to.
        var log = await Eventually.UntilAsync(() => ReadLogAsync(run, "is read-only"), "the stub's report in the log file");
        Assert.Contains("args: --address http://127.0.0.1:9094 --dir /post", log, StringComparison.Ordinal);
        Assert.Contains("found /post/postdata_metadata.json", log, StringComparison.Ordinal);
        Assert.DoesNotContain("pid 1 ", log, StringComparison.Ordinal); // the init process is PID 1, not the service
        Assert.Equal(["postdata_metadata.json"], Directory.GetFiles(launch.DataDir).Select(f => Path.GetFileName(f)!));
    }

    [Fact]
    public async Task A_new_runtime_adopts_the_run_and_its_stop_removes_it_promptly()
    {
        engine.EnsureAvailable();
        RuntimeInstance run;
        await using (var first = Runtime())
        {
            run = await first.StartAsync(Launch("id-01"), CancellationToken.None);
            Assert.Equal([run.InstanceId], (await first.ListAsync(CancellationToken.None)).Select(r => r.InstanceId));
        }

        // A new orchestrator process: nothing in memory, everything from the labels.
        await using var adopting = Runtime();
        var adopted = Assert.Single(await adopting.ListAsync(CancellationToken.None));
        Assert.Equal((run.ServiceName, run.InstanceId, run.LogPath, true, (int?)null), (adopted.ServiceName, adopted.InstanceId, adopted.LogPath, adopted.Running, adopted.ExitCode));
        Assert.Equal(run.StartedAt, adopted.StartedAt);
        await Eventually.UntilAsync(() => ReadLogAsync(run, "is read-only"), "the log before the stop");

        // SIGTERM reaches the service through the init process: the container dies of it (exit 128+15), not of the
        // engine's SIGKILL after the 30 s grace (128+9). The engine's own "die" event says which; how fast is a
        // timing goal (bench/timing-goals.md). Events are read from before the stop, so none is missed.
        var containerId = Split(run.InstanceId).ContainerId;
        var died = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watching = new CancellationTokenSource();
        var events = engine.Client.System.MonitorEventsAsync(
            new ContainerEventsParameters
            {
                Since = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["container"] = new Dictionary<string, bool> { [containerId] = true },
                    ["event"] = new Dictionary<string, bool> { ["die"] = true },
                },
            },
            new Progress<Message>(m => died.TrySetResult(m.Actor?.Attributes is { } a && a.TryGetValue("exitCode", out var code) ? code : "(none)")),
            watching.Token);
        await adopting.StopAsync(adopted, TimeSpan.FromSeconds(30), CancellationToken.None);
        var exitCode = await died.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == "143", $"the container exited {exitCode}: SIGTERM was not delivered (137: killed after the grace)");
        await watching.CancelAsync();
        await events.ContinueWith(_ => { }, TaskScheduler.Default); // ends with the cancellation

        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => engine.Client.Containers.InspectContainerAsync(Split(run.InstanceId).ContainerId));
        Assert.Empty(await adopting.ListAsync(CancellationToken.None));
        Assert.Contains("args: --address", await File.ReadAllTextAsync(run.LogPath!), StringComparison.Ordinal);

        await adopting.StopAsync(adopted, TimeSpan.FromSeconds(30), CancellationToken.None); // already gone: no error
        await adopting.ForgetAsync(adopted, CancellationToken.None);
    }

    [Fact]
    public async Task A_run_that_exits_by_itself_is_listed_with_its_exit_code_until_forgotten()
    {
        engine.EnsureAvailable();
        await using var runtime = Runtime();
        var run = await runtime.StartAsync(Launch("id-02", "--max-retries", "0"), CancellationToken.None);

        var ended = await Eventually.UntilAsync(
            async () => (await runtime.ListAsync(CancellationToken.None)).SingleOrDefault(r => r.InstanceId == run.InstanceId && !r.Running),
            "the run to be listed as ended");
        Assert.Equal(1, ended.ExitCode);

        await runtime.ForgetAsync(ended, CancellationToken.None);
        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
        Assert.Contains("Error: max retries (0) reached", await File.ReadAllTextAsync(run.LogPath!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_of_another_fleet_are_not_listed()
    {
        engine.EnsureAvailable();
        await using var mine = Runtime();
        await using var theirs = new DockerRuntime(Options() with { FleetId = _fleet + "-other" }, TimeProvider.System);
        var run = await mine.StartAsync(Launch("id-01"), CancellationToken.None);

        Assert.Empty(await theirs.ListAsync(CancellationToken.None));
        Assert.Single(await mine.ListAsync(CancellationToken.None));
        await mine.StopAsync(run, TimeSpan.FromSeconds(10), CancellationToken.None);
    }

    public void Dispose() => _temp.Dispose();

    private DockerRuntimeOptions Options() => new() { FleetId = _fleet, Image = DockerEngineFixture.StubImage };

    private DockerRuntime Runtime()
    {
        var next = 0;
        return new DockerRuntime(Options(), TimeProvider.System, () => $"run-{Interlocked.Increment(ref next)}");
    }

    private ServiceLaunch Launch(string name, params string[] extra)
    {
        var dataDir = _temp.Combine("data", name);
        Directory.CreateDirectory(dataDir);
        File.WriteAllText(Path.Combine(dataDir, "postdata_metadata.json"), "{}");
        return new ServiceLaunch(name, "/usr/local/bin/post-service", ["--address", "http://127.0.0.1:9094", "--dir", dataDir, "--threads", "1", .. extra], dataDir, _temp.Combine("logs"));
    }

    private static async Task<string?> ReadLogAsync(RuntimeInstance run, string expected) =>
        File.Exists(run.LogPath) && await File.ReadAllTextAsync(run.LogPath) is { } text && text.Contains(expected, StringComparison.Ordinal) ? text : null;

    private static (string Endpoint, string ContainerId) Split(string instanceId) =>
        (instanceId[..instanceId.IndexOf('/', StringComparison.Ordinal)], instanceId[(instanceId.IndexOf('/', StringComparison.Ordinal) + 1)..]);
}
