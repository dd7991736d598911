using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using PostFleet.Runtime.Docker;

namespace PostFleet.Doctor.Probes.Remote;

/// <summary>
/// The probe as a container on the engine that runs the site's services, with their network mode, so it dials and
/// binds exactly where they will. It carries <see cref="ProbeSession.ProbeLabel"/> and never the fleet label, runs
/// under the engine's init, and is removed by force at the end (its own deadline ends it if doctor dies first).
/// </summary>
public sealed class DockerProbeSession(ProbeSite site, IDockerClient client, string image, string network, string fleetId, string engine, HttpClient http, TimeSpan timeout, TimeProvider time)
    : ProbeSession(site, timeout, time)
{
    private string? _id;

    private string Name => $"postfleet-probe-{Token}";

    /// <summary>When a probe outlives this, it is a leftover of a doctor that died; the next doctor removes it.</summary>
    public const string ExpiresLabel = "io.postfleet.probe-expires";

    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RemoveExpiredAsync(cancellationToken);
        CreateContainerResponse created;
        try
        {
            created = await client.Containers.CreateContainerAsync(
                new CreateContainerParameters
                {
                    Name = Name,
                    Image = image,
                    Cmd = [.. Arguments],
                    Labels = new Dictionary<string, string>
                    {
                        [ProbeLabel] = fleetId,
                        [ExpiresLabel] = Time.GetUtcNow().Add(Timeout).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                    },
                    HostConfig = new HostConfig { Init = true, NetworkMode = network, RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No } },
                },
                cancellationToken);
        }
        catch (DockerImageNotFoundException)
        {
            throw new InvalidOperationException($"the probe image {image} is not on {engine}; load or pull it there (docker.probe-image)");
        }
        catch (DockerApiException ex)
        {
            throw new InvalidOperationException($"{engine} refused the probe container: {ex.ResponseBody?.Trim()}");
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException($"{engine} cannot be reached: {ex.Message}");
        }

        _id = created.ID;
        await client.Containers.StartContainerAsync(_id, new ContainerStartParameters(), cancellationToken);
    }

    protected override async Task<string> LogAsync(CancellationToken cancellationToken)
    {
        using var stream = await client.Containers.GetContainerLogsAsync(_id!, tty: false, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, cancellationToken);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellationToken);
        return stdout + stderr;
    }

    protected override async Task<bool> EndedAsync(CancellationToken cancellationToken) =>
        (await client.Containers.InspectContainerAsync(_id!, cancellationToken)).State is { Running: false, Status: not "created" };

    protected override async Task<string> ReadStatusAsync(ProbeBind bind, CancellationToken cancellationToken) =>
        await http.GetStringAsync(new Uri($"http://{bind.ReadAt}/status"), cancellationToken);

    /// <summary>By name: a cancelled create may have made the container before its id came back.</summary>
    protected override async Task RemoveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.Containers.RemoveContainerAsync(_id ?? Name, new ContainerRemoveParameters { Force = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            // Never created, or already gone.
        }
    }

    private async Task RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var probes = await client.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ProbeLabel}={fleetId}"] = true } },
            },
            cancellationToken);
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var probe in probes.Where(p => p.Labels.TryGetValue(ExpiresLabel, out var until) && long.TryParse(until, CultureInfo.InvariantCulture, out var at) && at < now))
        {
            await client.Containers.RemoveContainerAsync(probe.ID, new ContainerRemoveParameters { Force = true }, cancellationToken);
        }
    }
}
