using System.Globalization;
using System.Text;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Fleet;

/// <summary>One identity of a simulated fleet: its name (key file and service), PoST size, and `after:` edges.</summary>
public sealed record SimulatedService(string Name, uint NumUnits = 2)
{
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary>Its operator address; null: a free loopback port picked when the fleet is laid out.</summary>
    public string? Operator { get; init; }

    /// <summary>The node its identity belongs to (one of <see cref="SimulatedFleetOptions.Nodes"/>); null: the first.</summary>
    public string? Node { get; init; }
}

/// <summary>A pretend disk (a folder with a simulated bandwidth, bytes per second of wall time) and its identities.</summary>
public sealed record SimulatedDisk(string Name, IReadOnlyList<SimulatedService> Services)
{
    public double ReadBytesPerSecond { get; init; } = 16 * 1024;

    public double WriteBytesPerSecond { get; init; } = 1024 * 1024;

    public double ConcurrencyPenalty { get; init; } = 0.25;

    /// <summary>More lines of the disk's entry in postfleet.yaml (without indentation), e.g. a <c>tls:</c> override.</summary>
    public IReadOnlyList<string> Lines { get; init; } = [];

    /// <summary>
    /// The simulated machine the disk is in: its folder is then disks/HOST/DISK, so its services share that host's
    /// CPU (postfleet-sim-host.json there), and postfleet.yaml names it as the disk's host; null: disks/DISK.
    /// </summary>
    public string? Host { get; init; }
}

/// <summary>Everything that makes one simulated 1:N fleet differ from another.</summary>
public sealed record SimulatedFleetOptions(string Root, string PostfleetExecutable, IReadOnlyList<SimulatedDisk> Disks)
{
    /// <summary>The node's <c>--time-scale</c>; postfleet.yaml's PoET timings are divided by it too.</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>The network the node and postfleet.yaml agree on (the official guide's unless a fixture wants tiny PoST data).</summary>
    public SimulatedNetwork Network { get; init; } = SimulatedNetwork.Guide;

    /// <summary>More top-level members of the node's config.json (e.g. an "api" object with its TLS CA).</summary>
    public string? NodeConfigSections { get; init; }

    /// <summary>postfleet.yaml's node.post-listener (e.g. the node's https TLS listener); null for http on <see cref="SimulatedFleet.PostPort"/>.</summary>
    public string? PostListener { get; init; }

    /// <summary>More lines under postfleet.yaml's <c>node:</c> (without indentation), e.g. <c>tls:</c>.</summary>
    public IReadOnlyList<string> NodeLines { get; init; } = [];

    /// <summary>postfleet.yaml's runtime, and more top-level lines after it (fleet-id:, a docker: section).</summary>
    public string Runtime { get; init; } = "process";

    public IReadOnlyList<string> RuntimeLines { get; init; } = [];

    /// <summary>The host's simulated CPU (postfleet-sim-host.json).</summary>
    public HostProfile Host { get; init; } = new(2, 0.5, 0.9, null);

    /// <summary>Lines of postfleet.yaml's <c>schedule:</c> section (without indentation).</summary>
    public IReadOnlyList<string> Schedule { get; init; } = [];

    /// <summary>A first comment line for postfleet.yaml (none when null).</summary>
    public string? Header { get; init; }

    /// <summary>
    /// A port the post-services dial instead of the node's post listener (their wrapper rewrites --address), as when
    /// they reach the node by another network path than the daemon; null to dial the listener postfleet.yaml names.
    /// </summary>
    public int? ServiceAddressPort { get; init; }

    /// <summary>The ports postfleet.yaml gives as node.public-listener and private-listener (e.g. a proxy); null for the node's own.</summary>
    public int? PublicListenerPort { get; init; }

    public int? PrivateListenerPort { get; init; }

    /// <summary>
    /// The machine of the simulated k2pow-service workers (<c>bin/k2pow-service</c> runs them with
    /// POSTFLEET_SIM_HOST_DIR at <c>k2pow-host/</c>, so they share its cores and not the post-services').
    /// </summary>
    public HostProfile K2PowHost { get; init; } = new(4, 0.5, null, null);

    /// <summary>post.nonces of postfleet.yaml (16 = one nonce group per pass).</summary>
    public int Nonces { get; init; } = 16;

    /// <summary>Top-level postfleet.yaml lines appended as they are (e.g. a <c>k2pow:</c> section).</summary>
    public IReadOnlyList<string> ExtraYaml { get; init; } = [];

    /// <summary>
    /// Several simulated nodes by name (postfleet.yaml then has <c>nodes:</c>, each node its own ports, data folder
    /// and record); empty: the one node of <c>node:</c>. The first is the node of <see cref="SimulatedFleet.PostPort"/>.
    /// </summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

    /// <summary>
    /// The natively compiled post-service that bin/post-service runs (<see cref="NativePostService"/>); null: the JIT
    /// <c>postfleet sim post-service</c>. Found beside <see cref="PostfleetExecutable"/> unless set.
    /// </summary>
    public string? NativePostService { get; init; } = Fleet.NativePostService.Find(PostfleetExecutable);

    /// <summary>Picks a free loopback port (the node's listeners and the operators that name none).</summary>
    public required Func<int> FreePort { get; init; }
}

/// <summary>
/// The simulated standalone network laid out in one folder, the same way for the demo, the soak and the test
/// fixtures: the node's config.json (<see cref="SimulatedNetwork.Guide"/>), one folder per disk with
/// its bandwidth, the host's CPU, wrapper executables that run `postfleet sim post-service|postcli` with the PID
/// kept (as the real binaries would have it), and the postfleet.yaml that points at all of it. The orchestrator
/// never sees this code: it reads the files and talks to the processes, as it would with the real programs.
/// </summary>
public sealed class SimulatedFleet
{
    private readonly Dictionary<string, string> _operators;
    private readonly Dictionary<string, (int Public, int Private, int Post)> _otherNodePorts;

    private SimulatedFleet(SimulatedFleetOptions options)
    {
        Options = options with { Root = Path.GetFullPath(options.Root) };
        PublicPort = options.FreePort();
        PrivatePort = options.FreePort();
        PostPort = options.FreePort();
        _otherNodePorts = options.Nodes.Skip(1).ToDictionary(n => n, _ => (options.FreePort(), options.FreePort(), options.FreePort()), StringComparer.Ordinal);
        _operators = options.Disks.SelectMany(d => d.Services).ToDictionary(s => s.Name, s => s.Operator ?? $"127.0.0.1:{options.FreePort()}");
    }

    public SimulatedFleetOptions Options { get; }

    public string Root => Options.Root;

    public int PublicPort { get; }

    public int PrivatePort { get; }

    public int PostPort { get; }

    public string NodeConfig => Path.Combine(Root, "node", "config.json");

    public string NodeDataDir => Path.Combine(Root, "node_data");

    public string NodeRecord => Path.Combine(Root, "node", "sim-record.jsonl");

    public string DisksDir => Path.Combine(Root, "disks");

    /// <summary>Where the simulated post-services and postcli record every phase change (the disks' host folder).</summary>
    public string ServiceRecord => new SimPlaces(DisksDir, DisksDir, DisksDir).RecordPath;

    /// <summary>Every host's record (one per simulated host; just <see cref="ServiceRecord"/> when no disk names a host).</summary>
    public IEnumerable<string> ServiceRecords => Options.Disks
        .Select(d => d.Host is { } h ? Path.Combine(DisksDir, h) : DisksDir)
        .Distinct(StringComparer.Ordinal)
        .Select(dir => new SimPlaces(dir, dir, dir).RecordPath);

    public string FleetConfig => Path.Combine(Root, "postfleet.yaml");

    public string StateDir => Path.Combine(Root, "state");

    public string HistoryPath => Path.Combine(StateDir, "history.db");

    /// <summary>The simulated k2pow-service workers' host folder, and the record their jobs are written to.</summary>
    public string K2PowHostDir => Path.Combine(Root, "k2pow-host");

    public string K2PowRecord => new SimPlaces(K2PowHostDir, K2PowHostDir, K2PowHostDir).RecordPath;

    public IEnumerable<SimulatedService> Services => Options.Disks.SelectMany(d => d.Services);

    public string DataDir(string service) => Path.Combine(DisksDir, DiskFolder(Options.Disks.Single(d => d.Services.Any(s => s.Name == service))), service);

    /// <summary>The disk's folder relative to <see cref="DisksDir"/>: HOST/DISK when it names a host.</summary>
    public static string DiskFolder(SimulatedDisk disk) => disk.Host is { } host ? $"{host}/{disk.Name}" : disk.Name;

    public string OperatorOf(string service) => _operators[service];

    /// <summary>Lays the fleet out under <see cref="SimulatedFleetOptions.Root"/> (its data folders are left to `postfleet init`).</summary>
    public static SimulatedFleet Create(SimulatedFleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var fleet = new SimulatedFleet(options);
        fleet.Write();
        return fleet;
    }

    /// <summary>`postfleet sim node` for this fleet, its genesis given (a restart passes the same one).</summary>
    public IReadOnlyList<string> NodeArguments(DateTimeOffset genesis) => NodeArguments(genesis, null);

    /// <summary>
    /// `postfleet sim node` for the node named <paramref name="node"/> (null: the first): its own ports, data folder
    /// and record; a node on another PoET phase gets another genesis.
    /// </summary>
    public IReadOnlyList<string> NodeArguments(DateTimeOffset genesis, string? node)
    {
        var (publicPort, privatePort, postPort) = PortsOf(node);
        return
        [
            "sim", "node",
            "-c", NodeConfig,
            "--preset", "standalone",
            "--genesis-time", genesis.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "-d", NodeDataDirOf(node),
            "--grpc-public-listener", $"127.0.0.1:{publicPort}",
            "--grpc-private-listener", $"127.0.0.1:{privatePort}",
            "--grpc-post-listener", $"127.0.0.1:{postPort}",
            "--time-scale", Options.TimeScale.ToString(CultureInfo.InvariantCulture),
            "--sim-record", NodeRecordOf(node),
        ];
    }

    /// <summary>The node's public, private and post ports (null or the first node: <see cref="PublicPort"/>, ...).</summary>
    public (int Public, int Private, int Post) PortsOf(string? node) =>
        node is not null && _otherNodePorts.TryGetValue(node, out var ports) ? ports : (PublicPort, PrivatePort, PostPort);

    /// <summary>The node's data folder: <see cref="NodeDataDir"/> for the first, node_data_NAME for the others.</summary>
    public string NodeDataDirOf(string? node) => IsOtherNode(node) ? Path.Combine(Root, "node_data_" + node) : NodeDataDir;

    /// <summary>The node's record: <see cref="NodeRecord"/> for the first, node/NAME/sim-record.jsonl for the others.</summary>
    public string NodeRecordOf(string? node) => IsOtherNode(node) ? Path.Combine(Root, "node", node!, "sim-record.jsonl") : NodeRecord;

    private bool IsOtherNode(string? node) => node is not null && _otherNodePorts.ContainsKey(node);

    /// <summary>The fleet's postfleet.yaml: with more schedule lines, or only some services (a config edit).</summary>
    public string FleetYaml(IReadOnlyList<string>? extraSchedule = null, IReadOnlyCollection<string>? only = null)
    {
        var yaml = new StringBuilder();
        if (Options.Header is { } header)
        {
            yaml.AppendLine("# " + header);
        }

        var network = Options.Network with { Nonces = Options.Nonces };
        yaml.Append(Options.Nodes.Count > 1
            ? network.NodesAndPostYaml(Options.Nodes.Select(n => new SimulatedNodeEntry(n, $"http://127.0.0.1:{PortsOf(n).Post}", PortsOf(n).Public, PortsOf(n).Private, Path.GetRelativePath(Root, NodeDataDirOf(n)))), Options.TimeScale)
            : network.NodeAndPostYaml(Options.PostListener ?? $"http://127.0.0.1:{PostPort}", Options.PublicListenerPort ?? PublicPort, Options.PrivateListenerPort ?? PrivatePort, Options.TimeScale, Options.NodeLines));
        yaml.AppendLine("runtime: " + Options.Runtime);
        foreach (var line in Options.RuntimeLines)
        {
            yaml.AppendLine(line);
        }

        yaml.AppendLine("state-dir: state");
        yaml.AppendLine("schedule:");
        foreach (var line in Options.Schedule.Concat(extraSchedule ?? []))
        {
            yaml.AppendLine("  " + line);
        }

        yaml.AppendLine("disks:");
        foreach (var disk in Options.Disks)
        {
            var services = disk.Services.Where(s => only is null || only.Contains(s.Name)).ToList();
            if (services.Count == 0)
            {
                continue;
            }

            yaml.AppendLine($"  - name: {disk.Name}");
            foreach (var line in disk.Lines)
            {
                yaml.AppendLine("    " + line);
            }

            if (disk.Host is { } host)
            {
                yaml.AppendLine($"    host: {host}");
            }

            yaml.AppendLine("    services:");
            foreach (var service in services)
            {
                var after = service.After.Count == 0 ? "" : $", after: [{string.Join(", ", service.After)}]";
                var node = Options.Nodes.Count > 1 ? $", node: {service.Node ?? Options.Nodes[0]}" : "";
                yaml.AppendLine($"      - {{ name: {service.Name}, dir: disks/{DiskFolder(disk)}/{service.Name}, num-units: {service.NumUnits}, operator: {_operators[service.Name]}{after}{node} }}");
            }
        }

        foreach (var line in Options.ExtraYaml)
        {
            yaml.AppendLine(line);
        }

        return yaml.ToString();
    }

    private void Write()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(NodeConfig)!);
        foreach (var node in _otherNodePorts.Keys)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(NodeRecordOf(node))!);
        }

        Directory.CreateDirectory(StateDir);
        File.WriteAllText(NodeConfig, Options.Network.NodeConfigJson(Options.NodeConfigSections));
        foreach (var disk in Options.Disks)
        {
            var dir = Path.Combine(DisksDir, DiskFolder(disk));
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, DiskProfile.FileName), string.Create(CultureInfo.InvariantCulture,
                $$"""{ "readBytesPerSecond": {{disk.ReadBytesPerSecond}}, "writeBytesPerSecond": {{disk.WriteBytesPerSecond}}, "concurrencyPenalty": {{disk.ConcurrencyPenalty}} }"""));
        }

        var host = Options.Host;
        var success = host.PassSuccessProbability is { } p ? string.Create(CultureInfo.InvariantCulture, $", \"passSuccessProbability\": {p}") : "";
        var profile = string.Create(CultureInfo.InvariantCulture,
            $$"""{ "cores": {{host.Cores}}, "k2powSecondsPerUnitPerNonceGroup": {{host.K2powSecondsPerUnitPerNonceGroup}}{{success}}, "randomxFastSetupSeconds": {{host.RandomXFastSetupSeconds}}, "randomxLightSetupSeconds": {{host.RandomXLightSetupSeconds}} }""");
        foreach (var hostDir in Options.Disks.Select(d => d.Host is { } h ? Path.Combine(DisksDir, h) : DisksDir).Distinct(StringComparer.Ordinal))
        {
            Directory.CreateDirectory(hostDir);
            File.WriteAllText(Path.Combine(hostDir, HostProfile.FileName), profile);
        }
        Directory.CreateDirectory(K2PowHostDir);
        File.WriteAllText(Path.Combine(K2PowHostDir, HostProfile.FileName), string.Create(CultureInfo.InvariantCulture,
            $$"""{ "cores": {{Options.K2PowHost.Cores}}, "k2powSecondsPerUnitPerNonceGroup": {{Options.K2PowHost.K2powSecondsPerUnitPerNonceGroup}}, "networkPowDifficulty": "{{SimulatedNetwork.PowDifficulty}}" }"""));
        var bin = Path.Combine(Root, "bin");
        Directory.CreateDirectory(bin);
        foreach (var program in new[] { "post-service", "postcli", "k2pow-service" })
        {
            var wrapper = Path.Combine(bin, program);
            File.WriteAllText(wrapper, Wrapper(program, program == "post-service" ? Options.ServiceAddressPort : null));
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        File.WriteAllText(FleetConfig, FleetYaml());
    }

    private string Wrapper(string program, int? addressPort)
    {
        var command = program == "post-service" && Options.NativePostService is { } native
            ? $"'{native}' {program}"
            : $"'{Options.PostfleetExecutable}' sim {program}";
        return program == "k2pow-service"
            ? $"#!/bin/sh\nPOSTFLEET_SIM_HOST_DIR='{K2PowHostDir}' exec {command} \"$@\"\n"
            : addressPort is { } port
            // The wrapper stays the process the runtime watches (its command line keeps the arguments the daemon launched
            // it with) and runs the service as its child with --address rewritten, passing SIGTERM on as the kill it is.
            ? $"#!/bin/sh\nfor a in \"$@\"; do shift; if [ \"$prev\" = --address ]; then a=http://127.0.0.1:{port}; fi; set -- \"$@\" \"$a\"; prev=\"$a\"; done\n"
              + $"{command} \"$@\" &\nchild=$!\ntrap 'kill -KILL $child; exit 143' TERM INT\nwait $child\n"
            // `exec` keeps the PID, so the runtime tracks the simulated program itself, as it would the real binary.
            : $"#!/bin/sh\n{LeanRuntime}exec {command} \"$@\"\n";
    }

    /// <summary>
    /// .NET runtime settings that make a simulated program cheaper to run by the hundred (measured in docs/simulator.md:
    /// a small first GC generation, no background GC thread, no profile-guided re-JIT); the caller's own values win.
    /// </summary>
    private const string LeanRuntime =
        ": \"${DOTNET_GCgen0size:=0x200000}\" \"${DOTNET_gcConcurrent:=0}\" \"${DOTNET_TieredPGO:=0}\"\n"
        + "export DOTNET_GCgen0size DOTNET_gcConcurrent DOTNET_TieredPGO\n";
}
