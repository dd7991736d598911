using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Docker;

/// <summary>
/// The real local Docker engine (scripts/install-test-deps.sh installs and starts it) plus the post-service stub
/// image, built offline by docker/post-service-sim/build-stub-image.sh. No engine is a test FAILURE with the
/// reason, never a silent pass. Removes every container the tests' fleets left behind.
/// </summary>
public sealed class DockerEngineFixture : IAsyncLifetime
{
    public const string StubImage = "postfleet/post-service-stub:test";

    /// <summary>Unique per test run, so leftovers of an earlier (killed) run are never adopted by mistake.</summary>
    public string FleetPrefix { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

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

        var script = Path.Combine(RepoPaths.Root, "docker", "post-service-sim", "build-stub-image.sh");
        var build = Process.Start(new ProcessStartInfo("bash", [script, StubImage]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = await build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync();
        if (build.ExitCode != 0)
        {
            _unavailable = $"building {StubImage} failed (exit {build.ExitCode}): {error}";
        }
    }

    /// <summary>Call first in every Docker test: fails it with the reason the engine or image is missing.</summary>
    public void EnsureAvailable() => Assert.True(_unavailable is null, _unavailable);

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
public sealed class DockerCollection : ICollectionFixture<DockerEngineFixture>
{
    public const string Name = "docker engine";
}
