using System.Collections.Immutable;
using PostFleet.Core.Timeline;

namespace PostFleet.Core.Configuration;

/// <summary>
/// The validated, immutable desired state built from postfleet.yaml. Paths are absolute (resolved against the
/// config file's folder). The planner only ever sees this, never the YAML DTOs.
/// </summary>
public sealed record FleetSpec(
    NodeSpec Node,
    PostSettings Post,
    RuntimeKind Runtime,
    ScheduleLimits Schedule,
    ImmutableArray<DiskSpec> Disks,
    string StateDirectory)
{
    /// <summary>Every service, disk by disk in config order.</summary>
    public ImmutableArray<ServiceSpec> Services => Index.Services;

    /// <summary>The first service of that name; null when none.</summary>
    public ServiceSpec? FindService(string name) => Index.ByName.GetValueOrDefault(name);

    /// <summary>The services by name (the first of a name, as <see cref="FindService"/>).</summary>
    public IReadOnlyDictionary<string, ServiceSpec> ServicesByName => Index.ByName;

    // The loop walks the services and looks them up by name many times a pass (1,000 identities: flattening the disks
    // each time was a tenth of a pass's allocations). Built from Disks, and built again for a copy with other disks.
    private ServiceIndex _index = new(Disks);

    private ServiceIndex Index => _index.Disks == Disks ? _index : _index = new ServiceIndex(Disks);

    /// <summary>The mTLS files a service is launched with: its disk's own (when it dials its disk's node), else its node's tls, else none (plaintext).</summary>
    public TlsSpec? TlsFor(ServiceSpec service) => OwnDisk(service)?.Tls ?? NodeOf(service).Tls;

    /// <summary>
    /// The post listener of the service's node as the service dials it from where it runs: its disk's placement's
    /// address (disks[].node-address, the Docker endpoint's or the Kubernetes placement's), else its node's
    /// post-listener. A post-service dials exactly one node (--address), the one its identity belongs to.
    /// </summary>
    public Uri NodeAddressFor(ServiceSpec service) => OwnDisk(service)?.NodeAddress ?? NodeOf(service).PostListener;

    /// <summary>
    /// Every node of the fleet (<c>nodes:</c>), in config order; a config with the single <c>node:</c> has just
    /// <see cref="Node"/>. Identities, timelines, events and deadlines are per node; disks, CPU and caps are shared.
    /// </summary>
    public ImmutableArray<NodeSpec> Nodes
    {
        get => _nodes.IsDefaultOrEmpty ? [Node] : _nodes;
        init => _nodes = value;
    }

    private readonly ImmutableArray<NodeSpec> _nodes;

    /// <summary>True when the fleet serves more than one node.</summary>
    public bool HasSeveralNodes => Nodes.Length > 1;

    /// <summary>The node a service's identity belongs to (the only node when it names none).</summary>
    public NodeSpec NodeOf(ServiceSpec service) => NodeNamed(service.Node);

    /// <summary>The node of that name; null or an unknown name is the first node (what a one-node fleet has).</summary>
    public NodeSpec NodeNamed(string? name) =>
        name is null ? Node : Nodes.FirstOrDefault(n => n.Name == name) ?? Node;

    /// <summary>
    /// The fleet as one node sees it: that node alone, and only the disks and services of its identities. What works
    /// on one node (init's key folder and commitment ATX, the doctor's node checks) runs per node on this.
    /// </summary>
    public FleetSpec ForNode(NodeSpec node)
    {
        var disks = Disks
            .Select(d => d with { Services = [.. d.Services.Where(s => NodeOf(s).Name == node.Name)] })
            .Where(d => d.Services.Length > 0);
        return this with { Node = node, Nodes = [node], Disks = [.. disks] };
    }

    /// <summary>The services whose identities belong to <paramref name="node"/>.</summary>
    public IEnumerable<ServiceSpec> ServicesOf(NodeSpec node) => Services.Where(s => NodeOf(s).Name == node.Name);

    // A disk's placement settings are its own node's: a service of another node on the same disk dials that node.
    private DiskSpec? OwnDisk(ServiceSpec service) =>
        Disks.FirstOrDefault(d => d.Name == service.Disk) is { } disk && (disk.Node ?? Node.Name) == (service.Node ?? Node.Name) ? disk : null;

    /// <summary>Where the config came from (a file path, or a name given to <see cref="FleetConfigLoader.Parse"/>).</summary>
    public string Source { get; init; } = "";

    /// <summary>The io.postfleet.fleet label of this fleet's containers and pods (<c>fleet-id</c>, else a hash of the config path).</summary>
    public string FleetId { get; init; } = "postfleet";

    /// <summary>The <c>process:</c> section (used when <see cref="Runtime"/> is Process, and by managed k2pow worker processes).</summary>
    public ProcessSettings Process { get; init; } = ProcessSettings.Default;

    /// <summary>The <c>docker:</c> section (used when <see cref="Runtime"/> is Docker).</summary>
    public DockerSettings Docker { get; init; } = DockerSettings.Default;

    /// <summary>The <c>kubernetes:</c> section (used when <see cref="Runtime"/> is Kubernetes).</summary>
    public KubernetesSettings Kubernetes { get; init; } = KubernetesSettings.Default;

    /// <summary>The <c>alerts:</c> section; command-line webhooks and POSTFLEET_WEBHOOKS replace its webhooks.</summary>
    public AlertSettings Alerts { get; init; } = AlertSettings.Default;

    /// <summary>The <c>api:</c> section; --listen, --token-file and POSTFLEET_API_TOKEN override it.</summary>
    public ApiSettings Api { get; init; } = ApiSettings.Default;

    /// <summary>The <c>history:</c> section. Null for specs built in code: the daemon then uses state-dir/history.db.</summary>
    public HistorySettings? History { get; init; }

    /// <summary>The <c>k2pow:</c> section: the remote k2pow pool and its router; null = every service runs k2pow locally.</summary>
    public K2PowPoolSpec? K2Pow { get; init; }

    /// <summary>Where the history database is: history.path, else history.db in the state folder.</summary>
    public string HistoryPath => History?.Path ?? System.IO.Path.Combine(StateDirectory, ConfigDefaults.HistoryFile);

    public TimeSpan HistoryRetention => History?.Retention ?? ConfigDefaults.HistoryRetention;
}

/// <summary>
/// The services of a spec's disks, flattened and by name: derived from <see cref="Disks"/> alone, so it is no part of
/// the spec's value (every index equals every other, and a spec's equality stays that of its fields).
/// </summary>
internal sealed class ServiceIndex
{
    public ServiceIndex(ImmutableArray<DiskSpec> disks)
    {
        Disks = disks;
        Services = disks.IsDefault ? [] : [.. disks.SelectMany(d => d.Services)];
        ByName = new Dictionary<string, ServiceSpec>(Services.Length, StringComparer.Ordinal);
        foreach (var service in Services)
        {
            ByName.TryAdd(service.Name, service);
        }
    }

    public ImmutableArray<DiskSpec> Disks { get; }

    public ImmutableArray<ServiceSpec> Services { get; }

    public Dictionary<string, ServiceSpec> ByName { get; }

    public override bool Equals(object? obj) => obj is ServiceIndex;

    public override int GetHashCode() => 0;
}

/// <summary>How to reach the node. <see cref="PostListener"/> serves PostService + PostInfoService.</summary>
public sealed record NodeSpec(
    Uri PostListener,
    Uri PublicListener,
    Uri PrivateListener,
    string DataDir,
    PoetTimings Poet,
    TlsSpec? Tls)
{
    /// <summary>Its name in <c>nodes[].name</c> (the API's and metrics' node label); "node" for the single <c>node:</c>.</summary>
    public string Name { get; init; } = ConfigDefaults.NodeName;
}

/// <summary>mTLS material for the node's grpc-tls-listener and for post-services.</summary>
public sealed record TlsSpec(string CaCert, string Cert, string Key, string? Domain);

/// <summary>
/// Settings passed to every post-service and postcli run; they must mirror the node's own.
/// <see cref="CommitmentAtxId"/> (post.commitment-atx-id, 64 hex, optional) pins the ATX `postfleet init` commits new
/// data to instead of asking the node for its highest ATX.
/// </summary>
public sealed record PostSettings(
    string ServiceBinary,
    string PostcliBinary,
    ulong LabelsPerUnit,
    uint ScryptN,
    uint K1,
    uint K2,
    string PowDifficulty,
    string RandomXMode,
    int Threads,
    int Nonces,
    uint MinNumUnits,
    uint MaxNumUnits,
    ulong? MaxFileSize,
    uint Provider,
    string? CommitmentAtxId = null);

public enum RuntimeKind
{
    Process,
    Docker,
    Kubernetes,
}

/// <summary>Caps and timings of the schedule.</summary>
public sealed record ScheduleLimits(
    int PerDisk,
    int MaxPow,
    int MaxRunning,
    TimeSpan StopGrace,
    TimeSpan NoProgressTimeout,
    TimeSpan IdleStopGrace,
    TimeSpan RestartBackoffInitial,
    TimeSpan RestartBackoffMax,
    ShutdownPolicy OnShutdown)
{
    /// <summary>
    /// For this long after a start the service counts as being in k2pow whatever its /status says: it is about to
    /// build its RandomX state and run the first k2pow, and /status may not answer yet.
    /// </summary>
    public TimeSpan StartupGrace { get; init; } = ConfigDefaults.StartupGrace;

    /// <summary>How long the loop waits before looking again when nothing is about to change.</summary>
    public TimeSpan Resync { get; init; } = ConfigDefaults.Resync;

    /// <summary>
    /// What per-disk counts: <see cref="ScheduleMode.Exclusive"/> every started, undelivered service;
    /// <see cref="ScheduleMode.Pipelined"/> (default) only services reading the disk, so the next one's k2pow can run
    /// while the disk is still read, timed from learned estimates to end as the disk frees up.
    /// </summary>
    public ScheduleMode Mode { get; init; } = ConfigDefaults.Mode;

    /// <summary>Pipelined mode: a successor's k2pow is timed to end this long after the disk is predicted free.</summary>
    public TimeSpan PipelineMargin { get; init; } = ConfigDefaults.PipelineMargin;

    /// <summary>
    /// Percent chance a start may take that readers whose pass ends during its k2pow re-enter k2pow (a failed pass)
    /// and push it over max-pow; 0 reserves a slot for every such reader.
    /// </summary>
    public int MaxPowRiskPercent { get; init; } = ConfigDefaults.MaxPowRiskPercent;

    /// <summary>Capped exponential backoff before the <paramref name="attempt"/>-th restart (1-based).</summary>
    public TimeSpan RestartBackoff(int attempt)
    {
        var backoff = RestartBackoffInitial;
        for (var i = 1; i < attempt && backoff < RestartBackoffMax; i++)
        {
            backoff *= 2;
        }

        return backoff < RestartBackoffMax ? backoff : RestartBackoffMax;
    }
}

/// <summary>How the per-disk cap is counted (schedule.mode).</summary>
public enum ScheduleMode
{
    /// <summary>A service holds its disk slot from start to delivery, k2pow included: never two readers on a disk.</summary>
    Exclusive,

    /// <summary>A service holds its disk slot only while it reads; k2pow of the next one overlaps the read (the default).</summary>
    Pipelined,
}

/// <summary>What `postfleet run` does with running services when it stops.</summary>
public enum ShutdownPolicy
{
    /// <summary>Leave them running and adopt them on return (default): a stop loses all proving progress.</summary>
    LeaveRunning,

    /// <summary>Stop every service (with its grace period).</summary>
    StopAll,
}

public sealed record DiskSpec(string Name, ImmutableArray<ServiceSpec> Services)
{
    /// <summary>
    /// This disk's services' mTLS files when they differ from node.tls (another host, its own client certificate),
    /// already merged over node.tls; null means node.tls as it is.
    /// </summary>
    public TlsSpec? Tls { get; init; }

    /// <summary>The node's post listener as this disk's services dial it from where they run; null: node.post-listener.</summary>
    public Uri? NodeAddress { get; init; }

    /// <summary>The config key this disk's node address comes from (e.g. docker.endpoints[1].node-address), for messages.</summary>
    public string NodeAddressKey { get; init; } = "node.post-listener";

    /// <summary>The machine the disk is in (<c>disks[].host</c>), for grouping only; null when not given.</summary>
    public string? Host { get; init; }

    /// <summary>The node this disk's services belong to unless one names its own (<c>disks[].node</c>); null: the first node.</summary>
    public string? Node { get; init; }
}

/// <summary>
/// One identity's post-service. <see cref="Name"/> is its key file name without ".key", which is how PostStates
/// reports it. <see cref="OrderOnDisk"/> is the preference from the config order; <see cref="After"/> are
/// explicit dependencies (within an epoch: start only once those have delivered or are not needed).
/// </summary>
public sealed record ServiceSpec(
    string Name,
    string Disk,
    string DataDir,
    uint NumUnits,
    string OperatorAddress,
    ImmutableArray<string> After,
    int OrderOnDisk)
{
    /// <summary>
    /// The node this identity belongs to (<c>services[].node</c>, else its disk's <c>node</c>); null: the first
    /// node. Its key folder, PostStates row, events, clock and proof deadline are that node's.
    /// </summary>
    public string? Node { get; init; }
}
