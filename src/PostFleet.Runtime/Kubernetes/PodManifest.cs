using k8s.Models;
using PostFleet.Core.Model;
using PostFleet.Runtime.Docker;

namespace PostFleet.Runtime.Kubernetes;

/// <summary>Turns one service launch into the Pod to create. Pure, so tests compare it with checked-in snapshots.</summary>
internal static class PodManifest
{
    public const string ContainerName = "post-service";
    private const string VolumeName = "post-data";
    private const string TlsVolumeName = "post-tls";
    private const string CaCertKey = "ca.crt";
    private const string CertKey = "tls.crt";
    private const string KeyKey = "tls.key";

    // 0400: only the container's user reads the key (the kubelet applies it to every item of the Secret).
    private const int TlsFileMode = 0b100_000_000;

    public const string K2PowContainerName = "k2pow-service";

    /// <summary>The one container of the runtime's pods: its logs are read, its exit code is the run's.</summary>
    public static string ContainerFor(KubernetesRuntimeOptions options) => options.K2PowWorkers ? K2PowContainerName : ContainerName;

    public static V1Pod Build(KubernetesRuntimeOptions options, ServiceLaunch launch, string runId, string logPath)
    {
        var (container, volumes, nodeSelector) = options.K2PowWorkers ? Worker(options, launch) : PostService(options, launch);
        var labels = new Dictionary<string, string>(options.Labels, StringComparer.Ordinal)
        {
            ["app.kubernetes.io/name"] = ContainerFor(options),
            ["app.kubernetes.io/managed-by"] = "postfleet",
            [FleetLabels.Fleet] = KubernetesNames.LabelValue(options.FleetId),
            [FleetLabels.Service] = KubernetesNames.LabelValue(launch.ServiceName),
            [FleetLabels.Run] = KubernetesNames.LabelValue(runId),
        };

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = KubernetesNames.PodName(launch.ServiceName, runId),
                NamespaceProperty = options.Namespace,
                Labels = labels,
                // Annotations keep what label syntax cannot: the exact service name and the log file's path.
                Annotations = new Dictionary<string, string>
                {
                    [FleetLabels.Service] = launch.ServiceName,
                    [FleetLabels.LogPath] = logPath,
                },
            },
            Spec = new V1PodSpec
            {
                // The orchestrator decides every restart (with its own backoff), never the kubelet.
                RestartPolicy = "Never",
                // post-service has no signal handler, so as its container's PID 1 it would ignore SIGTERM. With a
                // shared process namespace the pod's pause process is PID 1 (and reaps zombies), post-service is an
                // ordinary process, and SIGTERM ends it at once: the equivalent of `docker run --init`.
                ShareProcessNamespace = true,
                ServiceAccountName = options.ServiceAccount,
                AutomountServiceAccountToken = false,
                HostNetwork = options.HostNetwork ? true : null,
                DnsPolicy = options.HostNetwork ? "ClusterFirstWithHostNet" : null,
                NodeSelector = nodeSelector,
                TerminationGracePeriodSeconds = (long)Math.Ceiling(options.DefaultStopGrace.TotalSeconds),
                Containers = [container],
                Volumes = volumes,
            },
        };
    }

    /// <summary>A k2pow-service worker reads no PoST data: its flags as given, nothing mounted, any node.</summary>
    private static (V1Container, List<V1Volume>?, Dictionary<string, string>?) Worker(KubernetesRuntimeOptions options, ServiceLaunch launch) => (
        new V1Container
        {
            Name = K2PowContainerName,
            Image = options.Image,
            // The image's ENTRYPOINT is the binary: only args are set, so the entrypoint stays.
            Args = [.. launch.Arguments],
            SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false },
        },
        null,
        null);

    private static (V1Container, List<V1Volume>?, Dictionary<string, string>?) PostService(KubernetesRuntimeOptions options, ServiceLaunch launch)
    {
        var placement = options.ServiceDisks.TryGetValue(launch.ServiceName, out var disk) && options.Disks.TryGetValue(disk, out var found)
            ? found
            : null;
        var (volume, subPath) = Volume(placement?.Volume ?? new KubernetesVolume.HostPath(), launch.DataDir);
        // launch.Files is non-empty exactly when the service has mTLS; with a Secret none of them is read from the node.
        var tlsSecret = launch.Files.Count > 0 ? options.TlsSecret : null;
        var files = tlsSecret is null ? launch.Files.Distinct(StringComparer.Ordinal).ToList() : [];
        IReadOnlyList<string> arguments = PostServiceArguments.WithDir(launch.Arguments, options.DataMountPath);
        if (tlsSecret is not null)
        {
            arguments = PostServiceArguments.WithTlsFiles(arguments, TlsPath(CaCertKey), TlsPath(CertKey), TlsPath(KeyKey));
        }

        var container = new V1Container
        {
            Name = ContainerName,
            Image = options.Image,
            // The image's ENTRYPOINT is the binary: only args are set, so the entrypoint stays.
            Args = [.. arguments],
            VolumeMounts =
            [
                new V1VolumeMount { Name = VolumeName, MountPath = options.DataMountPath, ReadOnlyProperty = true, SubPath = subPath },
                .. files.Select((f, i) => new V1VolumeMount { Name = FileVolumeName(i), MountPath = f, ReadOnlyProperty = true }),
                .. tlsSecret is null
                    ? Array.Empty<V1VolumeMount>()
                    : [new V1VolumeMount { Name = TlsVolumeName, MountPath = KubernetesRuntimeOptions.TlsMountPath, ReadOnlyProperty = true }],
            ],
            SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false },
        };

        // Without a Secret, the mTLS files at the same path as on the node that runs the pod (disks[].tls names that node's own).
        List<V1Volume> volumes =
        [
            volume,
            .. files.Select((f, i) => new V1Volume { Name = FileVolumeName(i), HostPath = new V1HostPathVolumeSource { Path = f, Type = "File" } }),
            .. tlsSecret is null ? Array.Empty<V1Volume>() : [TlsVolume(tlsSecret)],
        ];
        return (container, volumes, placement is { NodeSelector.Count: > 0 } ? new Dictionary<string, string>(placement.NodeSelector) : null);
    }

    private static string FileVolumeName(int index) => $"post-file-{index}";

    private static string TlsPath(string key) => KubernetesRuntimeOptions.TlsMountPath + "/" + key;

    // The items are listed so that a Secret without one of the keys fails the mount (the pod never starts with
    // half its files) and no other key of the Secret lands in the container.
    private static V1Volume TlsVolume(string secretName) => new()
    {
        Name = TlsVolumeName,
        Secret = new V1SecretVolumeSource
        {
            SecretName = secretName,
            DefaultMode = TlsFileMode,
            Items = [.. new[] { CaCertKey, CertKey, KeyKey }.Select(k => new V1KeyToPath { Key = k, Path = k })],
        },
    };

    private static (V1Volume Volume, string? SubPath) Volume(KubernetesVolume kind, string dataDir) => kind switch
    {
        KubernetesVolume.PersistentVolumeClaim claim => (
            new V1Volume
            {
                Name = VolumeName,
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim.ClaimName, ReadOnlyProperty = true },
            },
            SubPathOf(claim.MountRoot, dataDir)),
        _ => (
            new V1Volume { Name = VolumeName, HostPath = new V1HostPathVolumeSource { Path = dataDir, Type = "Directory" } },
            null),
    };

    private static string? SubPathOf(string mountRoot, string dataDir)
    {
        var relative = Path.GetRelativePath(mountRoot, dataDir);
        if (relative == ".")
        {
            return null;
        }

        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? throw new ArgumentException($"PoST folder {dataDir} is not under the claim's mount root {mountRoot}")
            : relative.Replace(Path.DirectorySeparatorChar, '/');
    }
}
