using Docker.DotNet;

namespace PostFleet.Containers.Tests.Docker;

/// <summary>
/// The real local Docker engine plus the post-service stub image, built offline by
/// docker/post-service-sim/build-stub-image.sh. Removes every container the tests' fleets left behind.
/// </summary>
public sealed class DockerEngineFixture : IAsyncLifetime
{
    public const string StubImage = "postfleet/post-service-stub:test";

    private readonly LocalDockerEngine _engine = new();

    /// <summary>Unique per test run, so leftovers of an earlier (killed) run are never adopted by mistake.</summary>
    public string FleetPrefix { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    public DockerClient Client => _engine.Client;

    public Task InitializeAsync() => _engine.PrepareAsync(StubImage, "build-stub-image.sh");

    /// <summary>Call first in every Docker test: fails it with the reason the engine or image is missing.</summary>
    public void EnsureAvailable() => _engine.EnsureAvailable();

    public async Task DisposeAsync()
    {
        await _engine.RemoveFleetsAsync(FleetPrefix);
        _engine.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerEngineFixture>
{
    public const string Name = "docker engine";
}
