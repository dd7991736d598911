using System.Collections.Concurrent;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Runtime.Docker;

/// <summary>
/// Runs each post-service run as its own container (created, started, stopped and removed by us; never restarted
/// by the engine). All state lives in the containers' labels, so a new instance adopts the runs of an earlier one.
/// </summary>
public sealed class DockerRuntime : IServiceRuntime, IStatusAddressResolver, IAsyncDisposable
{
    /// <summary>How long a stop waits for the log follower to drain before it fetches the log once more itself.</summary>
    private static readonly TimeSpan s_logDrain = TimeSpan.FromSeconds(5);

    private readonly DockerRuntimeOptions _options;
    private readonly DockerEndpointSelector _endpoints;
    private readonly TimeProvider _time;
    private readonly Func<string> _newRunId;
    private readonly ConcurrentDictionary<string, ContainerLogFollower> _followers = new(StringComparer.Ordinal);

    public DockerRuntime(DockerRuntimeOptions options, TimeProvider time, Func<string>? newRunId = null)
    {
        _options = options;
        _endpoints = new DockerEndpointSelector(options);
        _time = time;
        _newRunId = newRunId ?? (() => Guid.NewGuid().ToString("N")[..12]);
    }

    public async Task<RuntimeInstance> StartAsync(ServiceLaunch launch, CancellationToken cancellationToken)
    {
        var endpoint = _endpoints.ForService(launch.ServiceName);
        var client = _endpoints.ClientFor(endpoint);
        var runId = _newRunId();
        var logPath = RunLogs.PathFor(launch.LogDirectory, launch.ServiceName, _time.GetUtcNow());
        Directory.CreateDirectory(launch.LogDirectory);

        using var timeout = Deadline(_options.RequestTimeout, cancellationToken);
        var created = await client.Containers.CreateContainerAsync(ContainerSpec.Build(_options, launch, runId, logPath), timeout.Token);
        try
        {
            await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), timeout.Token);
        }
        catch
        {
            // A created but never started container would only confuse adoption; it has nothing worth keeping.
            await RemoveQuietlyAsync(client, created.ID);
            throw;
        }

        var id = new DockerInstanceId(endpoint.Name, created.ID);
        Follow(client, id, logPath);
        var inspected = await client.Containers.InspectContainerAsync(created.ID, timeout.Token);
        // Just created with our labels, so it always reads back; a failure here is the engine's, not the labels'.
        return (ToInstance(id, inspected, out var problem) ?? throw new InvalidOperationException($"container {id} just created for {launch.ServiceName}: {problem}")) with { LogPath = logPath };
    }

    public async Task StopAsync(RuntimeInstance instance, TimeSpan grace, CancellationToken cancellationToken)
    {
        var id = DockerInstanceId.Parse(instance.InstanceId);
        var client = _endpoints.ClientFor(_endpoints.ByName(id.Endpoint));
        var graceSeconds = (uint)Math.Max(0, Math.Ceiling(grace.TotalSeconds));

        // The engine sends SIGTERM (through the init process) and SIGKILL after the grace period; the call
        // returns once the container has exited, so the deadline only guards against an engine that hangs.
        using (var timeout = Deadline(grace + _options.RequestTimeout, cancellationToken))
        {
            try
            {
                await client.Containers.StopContainerAsync(id.ContainerId, new ContainerStopParameters { WaitBeforeKillSeconds = graceSeconds }, timeout.Token);
            }
            catch (DockerContainerNotFoundException)
            {
                await ForgetFollowerAsync(id);
                return;
            }
        }

        await RemoveAsync(client, id, instance.LogPath, cancellationToken);
    }

    /// <summary>Where the daemon reads this run's /status: the host of the engine that runs it (<see cref="DockerStatusAddresses"/>).</summary>
    public string StatusAddressOf(PostFleet.Core.Configuration.ServiceSpec service, RuntimeInstance run)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(run);
        var endpoint = _endpoints.All.FirstOrDefault(e => e.Name == DockerInstanceId.Parse(run.InstanceId).Endpoint) ?? _endpoints.ForService(service.Name);
        return DockerStatusAddresses.Resolve(endpoint, service.OperatorAddress);
    }

    /// <remarks>A live container's output is followed into its log file as it runs.</remarks>
    public Task<IReadOnlyList<string>> ReadLogTailAsync(RuntimeInstance instance, int lines, CancellationToken cancellationToken) =>
        LogTail.ReadIfPresentAsync(instance?.LogPath, lines, cancellationToken);

    public async Task<IReadOnlyList<RuntimeInstance>> ListAsync(CancellationToken cancellationToken)
    {
        var result = new List<RuntimeInstance>();
        using var timeout = Deadline(_options.RequestTimeout, cancellationToken);
        foreach (var endpoint in _endpoints.All)
        {
            // An unreachable engine fails the whole listing: reporting its runs as gone would make the planner
            // start second copies of services that may well still be proving.
            var client = _endpoints.ClientFor(endpoint);
            var containers = await client.Containers.ListContainersAsync(
                new ContainersListParameters
                {
                    All = true,
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["label"] = new Dictionary<string, bool> { [$"{FleetLabels.Fleet}={_options.FleetId}"] = true },
                    },
                },
                timeout.Token);

            foreach (var container in containers)
            {
                ContainerInspectResponse inspected;
                try
                {
                    inspected = await client.Containers.InspectContainerAsync(container.ID, timeout.Token);
                }
                catch (DockerContainerNotFoundException)
                {
                    continue; // removed between the list and the inspect
                }

                var id = new DockerInstanceId(endpoint.Name, container.ID);
                if (ToInstance(id, inspected, out var problem) is not { } instance)
                {
                    _options.Logger.LogWarning("ignoring container {Container} of this fleet: {Problem}; it is not adopted as any service's run", id, problem);
                    continue;
                }

                if (instance.Running && instance.LogPath is not null)
                {
                    Follow(client, id, instance.LogPath); // adoption: resume collecting its log
                }

                result.Add(instance);
            }
        }

        return result;
    }

    public async Task ForgetAsync(RuntimeInstance instance, CancellationToken cancellationToken)
    {
        var id = DockerInstanceId.Parse(instance.InstanceId);
        var client = _endpoints.ClientFor(_endpoints.ByName(id.Endpoint));
        await RemoveAsync(client, id, instance.LogPath, cancellationToken);
    }

    /// <summary>Stops following logs; the containers keep running (they are adopted by the next runtime instance).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var key in _followers.Keys)
        {
            if (_followers.TryRemove(key, out var follower))
            {
                await follower.DisposeAsync();
            }
        }

        _endpoints.Dispose();
    }

    private async Task RemoveAsync(IDockerClient client, DockerInstanceId id, string? logPath, CancellationToken cancellationToken)
    {
        using var timeout = Deadline(_options.RequestTimeout, cancellationToken);
        await CollectFinalLogAsync(client, id, logPath, timeout.Token);
        try
        {
            await client.Containers.RemoveContainerAsync(id.ContainerId, new ContainerRemoveParameters { Force = true }, timeout.Token);
        }
        catch (DockerContainerNotFoundException)
        {
            // Already gone: removal is what was asked for.
        }
    }

    /// <summary>Makes sure the log file holds the whole output before the engine forgets it with the container.</summary>
    private async Task CollectFinalLogAsync(IDockerClient client, DockerInstanceId id, string? logPath, CancellationToken cancellationToken)
    {
        var followed = false;
        if (_followers.TryRemove(id.ToString(), out var follower))
        {
            try
            {
                followed = await follower.Completion.WaitAsync(s_logDrain, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Still streaming (the container may not have exited): fetch once more below.
            }

            await follower.DisposeAsync();
        }

        if (!followed && logPath is not null)
        {
            try
            {
                await ContainerLogs.CopyAsync(client, id.ContainerId, logPath, follow: false, cancellationToken);
            }
            catch (DockerContainerNotFoundException)
            {
                // Nothing left to fetch.
            }
        }
    }

    private async Task ForgetFollowerAsync(DockerInstanceId id)
    {
        if (_followers.TryRemove(id.ToString(), out var follower))
        {
            await follower.DisposeAsync();
        }
    }

    private void Follow(IDockerClient client, DockerInstanceId id, string logPath)
    {
        var key = id.ToString();
        if (!_followers.ContainsKey(key))
        {
            var follower = new ContainerLogFollower(client, id.ContainerId, logPath);
            if (!_followers.TryAdd(key, follower))
            {
                _ = follower.DisposeAsync().AsTask();
            }
        }
    }

    private static async Task RemoveQuietlyAsync(IDockerClient client, string containerId)
    {
        try
        {
            await client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
        catch (DockerApiException)
        {
            // Best effort: ListAsync reports a leftover as ended, and the planner forgets it.
        }
    }

    private static RuntimeInstance? ToInstance(DockerInstanceId id, ContainerInspectResponse container, out string problem)
    {
        var labels = container.Config?.Labels ?? new Dictionary<string, string>();
        if (FleetLabels.AdoptedService(labels.TryGetValue(FleetLabels.Service, out var label) ? label : null, out problem) is not { } service)
        {
            return null;
        }

        var state = container.State;
        var running = state is { Running: true } or { Paused: true } or { Restarting: true };
        // A container that never started has no exit code worth reporting (the engine says 0).
        var exitCode = running || state is null || state.Status == "created" ? (int?)null : (int)state.ExitCode;
        return new RuntimeInstance(
            service,
            id.ToString(),
            ParseTime(state?.StartedAt) ?? new DateTimeOffset(container.Created, TimeSpan.Zero),
            running,
            exitCode,
            labels.TryGetValue(FleetLabels.LogPath, out var logPath) ? logPath : null);
    }

    private static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1
            ? time
            : null;

    private Deadline Deadline(TimeSpan after, CancellationToken cancellationToken) => new(after, _time, cancellationToken);
}
