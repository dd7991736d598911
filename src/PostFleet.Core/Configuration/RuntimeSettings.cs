using System.Collections.Immutable;

namespace PostFleet.Core.Configuration;

/// <summary>
/// The <c>process:</c> section (with <c>runtime: process</c>): <see cref="Nice"/> is the niceness (0-19) every
/// post-service and managed k2pow worker starts with. Proving is batch work that takes every core it is given (k2pow
/// above all); the node (sync, hare, proposals) and the daemon's loop (starts and stops on time) are not, and on a
/// machine they share a service at their priority delays them. Not niced by default: on a machine shared with other
/// work at the default priority a niced proof is the one that waits, and only its owner knows which matters more.
/// </summary>
public sealed record ProcessSettings(int Nice)
{
    public const int DefaultNice = 0;

    public static readonly ProcessSettings Default = new(DefaultNice);
}

/// <summary>
/// The <c>docker:</c> section: which engines run the post-service containers and how. Null values mean "the
/// runtime's default" (image spacemeshos/post-service:v0.8.5, request timeout 60 s).
/// </summary>
public sealed record DockerSettings(
    ImmutableArray<DockerEndpointSettings> Endpoints,
    string? Image,
    string Network,
    string DataMountPath,
    ImmutableDictionary<string, string> DiskEndpoints,
    ImmutableDictionary<string, string> Labels,
    TimeSpan? RequestTimeout)
{
    public static DockerSettings Default { get; } = new(
        [], null, "host", "/post", ImmutableDictionary<string, string>.Empty, ImmutableDictionary<string, string>.Empty, null);

    /// <summary>The engine a disk's services run on: its disk-endpoints entry, else the first endpoint; null: the local socket.</summary>
    public DockerEndpointSettings? EndpointFor(string disk) =>
        DiskEndpoints.TryGetValue(disk, out var name) ? Endpoints.FirstOrDefault(e => e.Name == name) : Endpoints.FirstOrDefault();

    /// <summary>
    /// The image doctor's address probe runs on each engine (<c>probe-image</c>): a PostFleet image whose ENTRYPOINT is
    /// postfleet (packaging/Dockerfile), given <c>probe ...</c> as its command; null: doctor cannot check from there.
    /// </summary>
    public string? ProbeImage { get; init; }

    // Value equality over the collections' entries too (a reloaded file makes new ones): the reloader compares the
    // running section with the edited one.
    public bool Equals(DockerSettings? other) =>
        other is not null && Endpoints.SequenceEqual(other.Endpoints) && Image == other.Image && Network == other.Network &&
        DataMountPath == other.DataMountPath && SameEntries.Of(DiskEndpoints, other.DiskEndpoints) && SameEntries.Of(Labels, other.Labels) &&
        RequestTimeout == other.RequestTimeout && ProbeImage == other.ProbeImage;

    public override int GetHashCode() => HashCode.Combine(Endpoints.Length, Image, Network, DataMountPath, DiskEndpoints.Count, Labels.Count, RequestTimeout, ProbeImage);
}

/// <summary>One engine: <c>unix:///var/run/docker.sock</c>, or <c>tcp://host:2376</c> with <see cref="Tls"/> (an engine started with --tlsverify).</summary>
public sealed record DockerEndpointSettings(string Name, Uri Address, TlsSpec? Tls)
{
    /// <summary>The node's post listener as the containers of this engine dial it (<c>node-address</c>); null: node.post-listener.</summary>
    public Uri? NodeAddress { get; init; }

    /// <summary>
    /// The engine host's address as the daemon reaches it (<c>status-host</c>), where it reads the services' /status;
    /// null: the operator address where the engine is this machine's, else the host of a tcp:// address.
    /// </summary>
    public string? StatusHost { get; init; }

    /// <summary>Where this endpoint is in the file (<c>docker.endpoints[1]</c>), for the address rules' messages.</summary>
    public string ConfigPath { get; init; } = "docker";

    /// <summary>A tcp:// engine on another machine: its containers see that machine's loopback and interfaces, not ours.</summary>
    public bool IsRemote => Address.Scheme == "tcp" && !Endpoints.IsLoopbackHost(Address.Host);
}

/// <summary>
/// The <c>kubernetes:</c> section: where the post-service pods run and how each disk reaches them.
/// <see cref="TlsSecret"/> names the Secret that holds the mTLS files (ca.crt, tls.crt, tls.key); null keeps
/// them as hostPath files, which must then exist on every Kubernetes node that runs a pod.
/// </summary>
public sealed record KubernetesSettings(
    string Namespace,
    string? ServiceAccount,
    string? Image,
    string DataMountPath,
    bool HostNetwork,
    ImmutableDictionary<string, string> Labels,
    ImmutableDictionary<string, KubernetesDiskSettings> Disks,
    TimeSpan? RequestTimeout,
    string? TlsSecret = null)
{
    public static KubernetesSettings Default { get; } = new(
        "postfleet", null, null, "/post", false, ImmutableDictionary<string, string>.Empty, ImmutableDictionary<string, KubernetesDiskSettings>.Empty, null);

    /// <summary>The node's post listener as every pod dials it (<c>node-address</c>, e.g. a Service name); null: node.post-listener.</summary>
    public Uri? NodeAddress { get; init; }

    /// <summary>How the daemon reaches a pod's /status (<c>status-via</c>): the API server's pod proxy, or the pod's IP.</summary>
    public PodStatusRoute StatusVia { get; init; } = PodStatusRoute.Proxy;

    /// <summary>The image of doctor's probe pod (<c>probe-image</c>), as <see cref="DockerSettings.ProbeImage"/>; null: no probe pod.</summary>
    public string? ProbeImage { get; init; }

    public bool Equals(KubernetesSettings? other) =>
        other is not null && Namespace == other.Namespace && ServiceAccount == other.ServiceAccount && Image == other.Image &&
        DataMountPath == other.DataMountPath && HostNetwork == other.HostNetwork && SameEntries.Of(Labels, other.Labels) &&
        SameEntries.Of(Disks, other.Disks) && RequestTimeout == other.RequestTimeout && TlsSecret == other.TlsSecret &&
        NodeAddress == other.NodeAddress && StatusVia == other.StatusVia && ProbeImage == other.ProbeImage;

    public override int GetHashCode() => HashCode.Combine(Namespace, Image, DataMountPath, HostNetwork, Labels.Count, Disks.Count, TlsSecret, StatusVia);
}

/// <summary>Where the daemon reads a pod's operator /status.</summary>
public enum PodStatusRoute
{
    /// <summary><c>proxy</c>: GET pods/{name}:{port}/proxy/status on the API server (needs pods/proxy get, no route into the pod network).</summary>
    Proxy,

    /// <summary><c>pod-ip</c>: GET http://{status.podIP}:{port}/status directly, where the daemon can reach the pod network.</summary>
    PodIp,
}

/// <summary>
/// One disk in the cluster: the node labels that pin its pods (<c>node: NAME</c> is kubernetes.io/hostname=NAME)
/// and its volume: hostPath (no <see cref="Claim"/>), or a PersistentVolumeClaim seen by the config at <see cref="MountRoot"/>.
/// </summary>
public sealed record KubernetesDiskSettings(ImmutableDictionary<string, string> NodeSelector, string? Claim, string? MountRoot)
{
    /// <summary>The node's post listener as this disk's pods dial it; null: kubernetes.node-address, else node.post-listener.</summary>
    public Uri? NodeAddress { get; init; }

    public bool Equals(KubernetesDiskSettings? other) =>
        other is not null && SameEntries.Of(NodeSelector, other.NodeSelector) && Claim == other.Claim && MountRoot == other.MountRoot && NodeAddress == other.NodeAddress;

    public override int GetHashCode() => HashCode.Combine(NodeSelector.Count, Claim, MountRoot, NodeAddress);
}

/// <summary>Two maps with the same keys, each with an equal value.</summary>
internal static class SameEntries
{
    public static bool Of<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> a, IReadOnlyDictionary<TKey, TValue> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && EqualityComparer<TValue>.Default.Equals(e.Value, v));
}
