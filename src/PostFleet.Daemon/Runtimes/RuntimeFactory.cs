using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Ports;
using PostFleet.Runtime.Docker;
using PostFleet.Runtime.Kubernetes;
using PostFleet.Runtime.Process;

namespace PostFleet.Daemon.Runtimes;

/// <summary>Builds the <see cref="IServiceRuntime"/> the config's <c>runtime:</c> names, from its <c>docker:</c> or <c>kubernetes:</c> section.</summary>
public static class RuntimeFactory
{
    public static IServiceRuntime Create(FleetSpec fleet, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(loggers);
        return fleet.Runtime switch
        {
            RuntimeKind.Docker => new DockerRuntime(DockerOptions(fleet) with { Logger = loggers.CreateLogger<DockerRuntime>() }, time),
            RuntimeKind.Kubernetes => KubernetesRuntime.FromDefaultConfig(KubernetesOptions(fleet) with { Logger = loggers.CreateLogger<KubernetesRuntime>() }, time),
            _ => new ProcessRuntime(Path.Combine(fleet.StateDirectory, "runtime"), time, loggers.CreateLogger<ProcessRuntime>(), fleet.Process.Nice),
        };
    }

    public static DockerRuntimeOptions DockerOptions(FleetSpec fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var docker = fleet.Docker;
        var options = new DockerRuntimeOptions
        {
            FleetId = fleet.FleetId,
            DiskEndpoints = docker.DiskEndpoints,
            ServiceDisks = ServiceDisks(fleet),
            Network = docker.Network,
            Labels = docker.Labels,
            DataMountPath = docker.DataMountPath,
        };
        if (!docker.Endpoints.IsEmpty)
        {
            options = options with
            {
                Endpoints = [.. docker.Endpoints.Select(e => new DockerEndpoint(
                    e.Name, e.Address, e.Tls is { } tls ? new DockerTlsOptions(tls.CaCert, tls.Cert, tls.Key) : null) { StatusHost = e.StatusHost })],
            };
        }

        if (docker.Image is { } image)
        {
            options = options with { Image = image };
        }

        if (docker.RequestTimeout is { } timeout)
        {
            options = options with { RequestTimeout = timeout };
        }

        return options;
    }

    public static KubernetesRuntimeOptions KubernetesOptions(FleetSpec fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var k8s = fleet.Kubernetes;
        var options = new KubernetesRuntimeOptions
        {
            FleetId = fleet.FleetId,
            Namespace = k8s.Namespace,
            ServiceAccount = k8s.ServiceAccount,
            DataMountPath = k8s.DataMountPath,
            HostNetwork = k8s.HostNetwork,
            TlsSecret = k8s.TlsSecret,
            ServiceDisks = ServiceDisks(fleet),
            Labels = k8s.Labels,
            Disks = k8s.Disks.ToImmutableDictionary(
                d => d.Key,
                d => new KubernetesDiskPlacement(
                    d.Value.NodeSelector,
                    d.Value.Claim is { } claim ? new KubernetesVolume.PersistentVolumeClaim(claim, d.Value.MountRoot!) : new KubernetesVolume.HostPath())),
            DefaultStopGrace = fleet.Schedule.StopGrace,
            StatusVia = k8s.StatusVia,
        };
        if (k8s.Image is { } image)
        {
            options = options with { Image = image };
        }

        if (k8s.RequestTimeout is { } timeout)
        {
            options = options with { RequestTimeout = timeout };
        }

        return options;
    }

    private static ImmutableDictionary<string, string> ServiceDisks(FleetSpec fleet) =>
        fleet.Services.ToImmutableDictionary(s => s.Name, s => s.Disk, StringComparer.Ordinal);
}
