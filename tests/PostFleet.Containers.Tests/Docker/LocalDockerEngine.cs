using Docker.DotNet;
using Docker.DotNet.Models;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Docker;

/// <summary>
/// The real local Docker engine the Docker test assemblies share (scripts/install-test-deps.sh installs and starts
/// it) and the image a docker/post-service-sim script builds for them. What is missing is kept as a reason, so every
/// Docker test FAILS with it and never passes silently. Compiled into PostFleet.DockerEpoch.Tests as well.
/// </summary>
public sealed class LocalDockerEngine : IDisposable
{
    public DockerClient Client { get; } = new DockerClientConfiguration(DockerEndpoint.LocalSocket.Address).CreateClient();

    /// <summary>Why the engine or the image cannot serve the tests; null when they can.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Pings the engine, then builds <paramref name="image"/> with docker/post-service-sim/<paramref name="script"/>.</summary>
    public async Task PrepareAsync(string image, string script, params string[] arguments)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Client.System.PingAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            Unavailable = $"no Docker engine answers at {DockerEndpoint.LocalSocket.Address} ({ex.GetType().Name}: {ex.Message}); " +
                "scripts/install-test-deps.sh installs docker.io and starts dockerd";
            return;
        }

        Unavailable = await SimImages.RunScriptAsync(script, image, arguments);
    }

    /// <summary>Call first in every Docker test: fails it with the reason the engine or image is missing.</summary>
    public void EnsureAvailable() => Assert.True(Unavailable is null, Unavailable);

    /// <summary>Removes every container, running or exited, of the fleets whose id starts with <paramref name="fleetPrefix"/>.</summary>
    public async Task RemoveFleetsAsync(string fleetPrefix)
    {
        if (Unavailable is not null)
        {
            return;
        }

        var leftovers = await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true });
        foreach (var container in leftovers.Where(c => c.Labels.TryGetValue(FleetLabels.Fleet, out var fleet) && fleet.StartsWith(fleetPrefix, StringComparison.Ordinal)))
        {
            await Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
        }
    }

    public void Dispose() => Client.Dispose();
}
