using System.Collections.Immutable;

namespace PostFleet.Runtime.Kubernetes;

/// <summary>Settings of the Kubernetes runtime (the <c>runtime.kubernetes</c> section of postfleet.yaml, once the loader maps it).</summary>
public sealed record KubernetesRuntimeOptions
{
    /// <summary>Where a pod that cannot be adopted (garbage labels) is reported.</summary>
    public Microsoft.Extensions.Logging.ILogger Logger { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public const string DefaultImage = "spacemeshos/post-service:v0.8.5";

    /// <summary>Every pod carries it under <see cref="Docker.FleetLabels.Fleet"/>; ListAsync selects on it.</summary>
    public required string FleetId { get; init; }

    public string Namespace { get; init; } = "postfleet";

    /// <summary>The pods' service account; null = the namespace's default. post-service never calls the API, so its token is not mounted.</summary>
    public string? ServiceAccount { get; init; }

    /// <summary>The post-service image; its ENTRYPOINT must be the binary (the arguments become the container's args).</summary>
    public string Image { get; init; } = DefaultImage;

    /// <summary>Where the PoST folder is mounted (read-only) in the container; <c>--dir</c> is rewritten to it.</summary>
    public string DataMountPath { get; init; } = "/post";

    /// <summary>Where the <see cref="TlsSecret"/> is mounted (read-only) in the container; the mTLS arguments are rewritten to the files in it.</summary>
    public const string TlsMountPath = "/etc/postfleet/tls";

    /// <summary>
    /// The Secret (in <see cref="Namespace"/>) with the mTLS files under the keys ca.crt, tls.crt and tls.key, as
    /// cert-manager writes them. Null: the files a launch names are hostPath files, so they must be on every node.
    /// </summary>
    public string? TlsSecret { get; init; }

    /// <summary>
    /// Run in the node's network namespace, e.g. when the go-spacemesh node listens on the Kubernetes node's
    /// 127.0.0.1. Off by default: in a cluster the node is normally reached through a Service name.
    /// </summary>
    public bool HostNetwork { get; init; }

    /// <summary>Service name → disk name (from the fleet spec), so a pod follows its disk.</summary>
    public ImmutableDictionary<string, string> ServiceDisks { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Disk name → where it is and how to mount it. A disk not listed: no node selector, hostPath volume.</summary>
    public ImmutableDictionary<string, KubernetesDiskPlacement> Disks { get; init; } = ImmutableDictionary<string, KubernetesDiskPlacement>.Empty;

    /// <summary>Extra labels for every pod; the <see cref="Docker.FleetLabels"/> keys win.</summary>
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The pod's own terminationGracePeriodSeconds (used when something other than PostFleet deletes it).</summary>
    public TimeSpan DefaultStopGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How the daemon reads a pod's /status: the API server's pod proxy (default) or the pod's IP.</summary>
    public PostFleet.Core.Configuration.PodStatusRoute StatusVia { get; init; } = PostFleet.Core.Configuration.PodStatusRoute.Proxy;

    /// <summary>
    /// The pods are k2pow-service workers (k2pow.managed), not post-services: the launch's arguments are the args as
    /// given (no <c>--dir</c> to rewrite) and nothing is mounted, since a worker reads no PoST data.
    /// </summary>
    public bool K2PowWorkers { get; init; }

    /// <summary>Upper bound for one API call.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Where one disk is: the node labels that pin a pod to its machine, and the volume that holds its PoST folders.</summary>
public sealed record KubernetesDiskPlacement(ImmutableDictionary<string, string> NodeSelector, KubernetesVolume Volume)
{
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>The disk is local to one node and mounted there at the same path as in the fleet config.</summary>
    public static KubernetesDiskPlacement OnNode(string nodeName) =>
        new(ImmutableDictionary<string, string>.Empty.Add(HostnameLabel, nodeName), new KubernetesVolume.HostPath());
}

/// <summary>How a service's PoST folder reaches its pod (always read-only).</summary>
public abstract record KubernetesVolume
{
    private KubernetesVolume()
    {
    }

    /// <summary>The service's DataDir is a path on the node (type Directory: the pod fails rather than mount an empty new folder).</summary>
    public sealed record HostPath : KubernetesVolume;

    /// <summary>
    /// The disk is a PersistentVolumeClaim; <paramref name="MountRoot"/> is where the fleet config sees that
    /// volume, so a service's DataDir under it becomes the mount's subPath.
    /// </summary>
    public sealed record PersistentVolumeClaim(string ClaimName, string MountRoot) : KubernetesVolume;
}
