using Docker.DotNet;
using Docker.DotNet.Models;
using PostFleet.Containers.Tests.Docker;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;

namespace PostFleet.DockerEpoch.Tests;

/// <summary>
/// The real local Docker engine and the simulated post-service image, built offline from this build's postfleet by
/// docker/post-service-sim/build-sim-image.sh. Removes the containers the tests' fleets left.
/// </summary>
public sealed class SimImageFixture : IAsyncLifetime
{
    public const string Image = "postfleet/post-service-sim:test";

    private readonly LocalDockerEngine _engine = new();

    public string FleetPrefix { get; } = "epoch-" + Guid.NewGuid().ToString("N")[..8];

    public DockerClient Client => _engine.Client;

    public Task InitializeAsync() =>
        _engine.PrepareAsync(Image, "build-sim-image.sh", "--from-build", Path.GetDirectoryName(RepoPaths.PostfleetExecutable)!);

    public void EnsureAvailable() => _engine.EnsureAvailable();

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
        await _engine.RemoveFleetsAsync(FleetPrefix);
        _engine.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DockerEpochCollection : ICollectionFixture<SimImageFixture>
{
    public const string Name = "docker epoch";
}
