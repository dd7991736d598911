using System.Collections.Immutable;

namespace PostFleet.Runtime.Docker;

/// <summary>
/// Settings of the Docker runtime (the <c>runtime.docker</c> section of postfleet.yaml, once the config loader
/// maps it). Paths in mounts are paths on the Docker host that runs the container.
/// </summary>
public sealed record DockerRuntimeOptions
{
    /// <summary>Where a container that cannot be adopted (garbage labels) is reported.</summary>
    public Microsoft.Extensions.Logging.ILogger Logger { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public const string DefaultImage = "spacemeshos/post-service:v0.8.5";

    /// <summary>Labels every container with this value under <see cref="FleetLabels.Fleet"/>; two fleets sharing an engine never see each other's runs.</summary>
    public required string FleetId { get; init; }

    /// <summary>The engines to use; the first is the default for a disk that <see cref="DiskEndpoints"/> does not name.</summary>
    public ImmutableArray<DockerEndpoint> Endpoints { get; init; } = [DockerEndpoint.LocalSocket];

    /// <summary>Disk name → endpoint name: the engine on the host that holds the disk.</summary>
    public ImmutableDictionary<string, string> DiskEndpoints { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Service name → disk name (from the fleet spec), so a service's endpoint follows its disk.</summary>
    public ImmutableDictionary<string, string> ServiceDisks { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The post-service image. Its ENTRYPOINT must be the post-service binary (as in the official image); the arguments become CMD.</summary>
    public string Image { get; init; } = DefaultImage;

    /// <summary>"host" (default: the node's 127.0.0.1 listener stays reachable) or the name of an existing network.</summary>
    public string Network { get; init; } = "host";

    /// <summary>Extra labels for every container (e.g. for the operator's own tooling); the <see cref="FleetLabels"/> keys win.</summary>
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Where the PoST folder is mounted (read-only) inside the container; <c>--dir</c> is rewritten to it.</summary>
    public string DataMountPath { get; init; } = "/post";

    /// <summary>
    /// True for k2pow-service workers (k2pow.managed): the launch's arguments are the CMD as they are, and nothing
    /// is mounted (a worker reads no PoST data). False for post-services.
    /// </summary>
    public bool K2PowWorkers { get; init; }

    /// <summary>Upper bound for one engine call that is not a stop (a stop gets its grace period on top).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>One Docker engine: <c>unix:///var/run/docker.sock</c> or <c>tcp://host:2376</c> with <see cref="Tls"/>.</summary>
public sealed record DockerEndpoint(string Name, Uri Address, DockerTlsOptions? Tls = null)
{
    /// <summary>
    /// The engine host's address as the daemon reaches it, where it reads the services' /status; null: where the
    /// service binds on this machine's engines, and on a remote engine the bound IP (or, for a wildcard bind, the
    /// host of the tcp:// address).
    /// </summary>
    public string? StatusHost { get; init; }

    /// <summary>A tcp:// engine on another machine: its host-network containers bind that machine's interfaces.</summary>
    public bool IsRemote => Address.Scheme == "tcp" && !PostFleet.Core.Configuration.Endpoints.IsLoopbackHost(Address.Host);

    public static DockerEndpoint LocalSocket { get; } = new("local", new Uri("unix:///var/run/docker.sock"));
}

/// <summary>PEM files for a TCP engine started with <c>--tlsverify</c>: the engine's CA, and our client certificate and key.</summary>
public sealed record DockerTlsOptions(string CaCert, string ClientCert, string ClientKey);
