using System.Text;
using Docker.DotNet.Models;
using PostFleet.Core.Model;

namespace PostFleet.Runtime.Docker;

/// <summary>Turns one service launch into the engine's create request. Pure, so the request can be checked without an engine.</summary>
internal static class ContainerSpec
{
    public static CreateContainerParameters Build(DockerRuntimeOptions options, ServiceLaunch launch, string runId, string logPath)
    {
        var labels = new Dictionary<string, string>(options.Labels, StringComparer.Ordinal)
        {
            [FleetLabels.Fleet] = options.FleetId,
            [FleetLabels.Service] = launch.ServiceName,
            [FleetLabels.Run] = runId,
            [FleetLabels.LogPath] = logPath,
        };

        return new CreateContainerParameters
        {
            Name = ContainerName(options.FleetId, launch.ServiceName, runId),
            Image = options.Image,
            // The image's ENTRYPOINT is the post-service (or k2pow-service) binary (no CMD), so the arguments alone are the CMD.
            Cmd = options.K2PowWorkers ? [.. launch.Arguments] : [.. PostServiceArguments.WithDir(launch.Arguments, options.DataMountPath)],
            Labels = labels,
            AttachStdout = false,
            AttachStderr = false,
            Tty = false,
            HostConfig = new HostConfig
            {
                // post-service (and k2pow-service) has no signal handler; as PID 1 it would ignore SIGTERM and every stop would wait
                // out the grace period and end in SIGKILL. The engine's init (tini) forwards the signal instead.
                Init = true,
                // The orchestrator decides every restart (with its own backoff), never the engine.
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
                NetworkMode = options.Network,
                // Read-only: the service only reads its PoST data, and a bug must not be able to damage it. A k2pow
                // worker reads nothing.
                Mounts = options.K2PowWorkers ? [] :
                [
                    new Mount { Type = "bind", Source = launch.DataDir, Target = options.DataMountPath, ReadOnly = true },
                    .. launch.Files.Distinct(StringComparer.Ordinal).Select(f => new Mount { Type = "bind", Source = f, Target = f, ReadOnly = true }),
                ],
                LogConfig = new LogConfig { Type = "json-file" },
            },
        };
    }

    /// <summary>A readable, unique container name limited to the characters the engine accepts.</summary>
    internal static string ContainerName(string fleetId, string serviceName, string runId)
    {
        var name = new StringBuilder("postfleet-");
        foreach (var c in $"{fleetId}-{serviceName}-{runId}")
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_');
        }

        return name.ToString();
    }
}
