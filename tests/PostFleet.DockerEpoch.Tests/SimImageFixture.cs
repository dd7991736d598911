using Docker.DotNet;
using Docker.DotNet.Models;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;

namespace PostFleet.DockerEpoch.Tests;

/// <summary>
/// The real local Docker engine (scripts/install-test-deps.sh installs and starts it) and the simulated
/// post-service image, built offline from this build's postfleet by docker/post-service-sim/build-sim-image.sh.
/// No engine is a test FAILURE with the reason, never a silent pass. Removes the containers the tests' fleets left.
/// </summary>
public sealed class SimImageFixture : IAsyncLifetime
{
    public const string Image = "postfleet/post-service-sim:test";

    public string FleetPrefix { get; } = "epoch-" + Guid.NewGuid().ToString("N")[..8];

    public DockerClient Client { get; } = new DockerClientConfiguration(DockerEndpoint.LocalSocket.Address).CreateClient();

    private string? _unavailable;

    public async Task InitializeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Client.System.PingAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            _unavailable = $"no Docker engine answers at {DockerEndpoint.LocalSocket.Address} ({ex.GetType().Name}: {ex.Message}); " +
                "scripts/install-test-deps.sh installs docker.io and starts dockerd";
            return;
        }

        _unavailable = await SimImages.BuildAsync(Image);
    }

    public void EnsureAvailable() => Assert.True(_unavailable is null, _unavailable);

    /// <summary>The image of doctor's probe: this build's postfleet as ENTRYPOINT (build-sim-image.sh --postfleet), made on first use.</summary>
    public const string ProbeImage = "postfleet/postfleet-probe:test";

    public async Task BuildProbeImageAsync()
    {
        EnsureAvailable();
        var failed = await SimImages.BuildAsync(ProbeImage, "--postfleet");
        Assert.True(failed is null, failed);
    }

    /// <summary>This fleet's containers, running and exited.</summary>
    public async Task<IList<ContainerListResponse>> ContainersAsync(string fleetId) =>
        await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{FleetLabels.Fleet}={fleetId}"] = true } },
        });

    public async Task DisposeAsync()
    {
        if (_unavailable is null)
        {
            var leftovers = await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true });
            foreach (var container in leftovers.Where(c => c.Labels.TryGetValue(FleetLabels.Fleet, out var fleet) && fleet.StartsWith(FleetPrefix, StringComparison.Ordinal)))
            {
                await Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            }
        }

        Client.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DockerEpochCollection : ICollectionFixture<SimImageFixture>
{
    public const string Name = "docker epoch";
}
