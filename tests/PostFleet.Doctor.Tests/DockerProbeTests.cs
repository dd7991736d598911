using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using PostFleet.Doctor.Probes.Remote;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;

namespace PostFleet.Doctor.Tests;

/// <summary>
/// doctor's probe container on the real local engine (host networking, like the post-services it stands for): the
/// image is this build's postfleet imported without a registry (build-sim-image.sh --postfleet), whose ENTRYPOINT is
/// postfleet and which has no shell. The probe dials the services' node address and binds their operator addresses
/// from inside the container, doctor reads those where the daemon will, and the container is always removed.
/// </summary>
[Collection(SimFleetCollection.Name)]
public sealed class DockerProbeTests(SimFleet fleet, ProbeImageFixture engine) : IClassFixture<ProbeImageFixture>, IDisposable
{
    private readonly TempDirectory _dir = new("pf-doctor-probe");
    private readonly string _fleetId = "probe-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_probe_container_reaches_the_node_binds_every_operator_address_and_is_read_where_the_daemon_reads()
    {
        var image = engine.EnsureAvailable();

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, extraYaml: Docker(image)));

        Assert.True(exit == 0, output);
        var probe = findings.Where(f => Check(f) == "probe").ToList();
        Assert.All(probe, f => Assert.Equal("ok", Severity(f)));
        Assert.Contains(probe, f => Message(f).StartsWith($"the services' node address 127.0.0.1:{fleet.PostPort} (node.post-listener) is reached from there: connected to", StringComparison.Ordinal));
        var served = Assert.Single(probe, f => Message(f).Contains("bound there and read from here", StringComparison.Ordinal));
        Assert.StartsWith("2 operator address(es)", Message(served), StringComparison.Ordinal);
        Assert.Equal("probe at engine 'local' (unix:///var/run/docker.sock), host network", Subject(served));
        await AssertNoProbeLeftAsync();
    }

    [Fact]
    public async Task A_node_address_the_containers_cannot_reach_fails_doctor_naming_the_key_and_both_sides()
    {
        var image = engine.EnsureAvailable();
        var closed = FreePorts.Next();

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, extraYaml: Docker(image, $"http://127.0.0.1:{closed}")));

        Assert.True(exit == 1, output);
        var error = Assert.Single(findings, f => Check(f) == "probe" && Severity(f) == "error");
        Assert.Equal(
            $"from there the services would dial the node at 127.0.0.1:{closed} (docker.endpoints[0].node-address) and cannot reach it: Connection refused (ConnectionRefused); " +
            $"the daemon, on this machine, dials 127.0.0.1:{fleet.PostPort} (node.post-listener)",
            Message(error));
        Assert.StartsWith("set docker.endpoints[0].node-address to the node's post listener as engine 'local'", Fix(error), StringComparison.Ordinal);
        // The daemon's own side is fine: the listener check passes.
        Assert.Contains(findings, f => Check(f) == "listener" && Severity(f) == "ok" && Subject(f).Contains(fleet.PostPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        await AssertNoProbeLeftAsync();
    }

    [Fact]
    public async Task A_missing_probe_image_is_a_warning_that_says_why_and_what_to_test_from_there()
    {
        engine.EnsureAvailable();

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, extraYaml: Docker("postfleet/no-such-probe:never")));

        Assert.True(exit == 0, output);
        var warning = Assert.Single(findings, f => Check(f) == "probe");
        Assert.Equal("warn", Severity(warning));
        Assert.Equal("could not run: the probe image postfleet/no-such-probe:never is not on engine 'local' (unix:///var/run/docker.sock); load or pull it there (docker.probe-image)", Message(warning));
        await AssertNoProbeLeftAsync();
    }

    [Fact]
    public async Task Ctrl_c_during_the_probe_removes_the_container()
    {
        var image = engine.EnsureAvailable();
        var config = fleet.WriteConfig(_dir.Path, extraYaml: Docker(image, $"http://127.0.0.1:{FreePorts.Next()}"));

        await using var run = ChildProcess.StartPostfleet(["doctor", "-c", config, "--json"]);
        await Eventually.UntilAsync(async () => (await ProbesAsync()).FirstOrDefault(), "the probe container exists");
        Assert.Equal(0, Posix.Kill(run.Id, Posix.SigInt)); // as Ctrl-C
        Assert.Equal(130, await run.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("doctor: cancelled", run.StandardError, StringComparison.Ordinal);

        await AssertNoProbeLeftAsync();
    }

    private string Docker(string image, string? nodeAddress = null)
    {
        var node = nodeAddress is null ? "" : $", node-address: '{nodeAddress}'";
        return $$"""
            fleet-id: {{_fleetId}}
            runtime: docker
            docker:
              network: host
              probe-image: {{image}}
              endpoints:
                - { name: local, address: 'unix:///var/run/docker.sock'{{node}} }

            """;
    }

    private async Task<IList<ContainerListResponse>> ProbesAsync() =>
        await engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ProbeSession.ProbeLabel}={_fleetId}"] = true } },
        });

    private async Task AssertNoProbeLeftAsync() => Assert.Empty(await ProbesAsync());


    private static string Check(JsonElement f) => f.GetProperty("check").GetString()!;

    private static string Severity(JsonElement f) => f.GetProperty("severity").GetString()!;

    private static string Subject(JsonElement f) => f.GetProperty("subject").GetString()!;

    private static string Message(JsonElement f) => f.GetProperty("message").GetString()!;

    private static string Fix(JsonElement f) => f.GetProperty("fix").GetString() ?? "";
}

/// <summary>
/// The real local engine and the probe image: this build's postfleet with ENTRYPOINT postfleet, imported offline by
/// docker/post-service-sim/build-sim-image.sh --postfleet. No engine is a test FAILURE with the reason.
/// </summary>
public sealed class ProbeImageFixture : IAsyncLifetime
{
    public const string Image = "postfleet/postfleet-probe:test";

    private string? _unavailable;

    public DockerClient Client { get; } = new DockerClientConfiguration(DockerEndpoint.LocalSocket.Address).CreateClient();

    public async Task InitializeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Client.System.PingAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            _unavailable = $"no Docker engine answers at {DockerEndpoint.LocalSocket.Address} ({ex.GetType().Name}: {ex.Message}); scripts/install-test-deps.sh starts dockerd";
            return;
        }

        _unavailable = await SimImages.BuildAsync(Image, "--postfleet");
    }

    public string EnsureAvailable()
    {
        Assert.True(_unavailable is null, _unavailable);
        return Image;
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        return Task.CompletedTask;
    }
}
