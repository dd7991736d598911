using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PostFleet.Security;
using PostFleet.Simulator.Common;
using PostFleet.Simulator.Fleet;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>Options of one simulated fleet; the defaults make a proof take a few seconds at time scale 60.</summary>
public sealed record SimFleetOptions
{
    public double TimeScale { get; init; } = 60;

    /// <summary>Services as (name, disk); each gets 2 units of 16 KiB.</summary>
    public IReadOnlyList<(string Name, string Disk)> Services { get; init; } = [("a1", "diskA"), ("a2", "diskA"), ("b1", "diskB")];

    public string OnShutdown { get; init; } = "stop-all";

    public string NoProgressTimeout { get; init; } = "30s";

    /// <summary>Simulated disk read speed, bytes per second (2 units = 32 KiB).</summary>
    public int ReadBytesPerSecond { get; init; } = 16 * 1024;

    /// <summary>Core-seconds of k2pow per unit per 16 nonces.</summary>
    public double K2PowSeconds { get; init; } = 0.5;

    /// <summary>Chance one pass finds a proof (the simulated host's passSuccessProbability); 1 means exactly one pass.</summary>
    public double PassSuccessProbability { get; init; } = 0.9;

    /// <summary>Operator address override per service (e.g. a listener that never answers).</summary>
    public IReadOnlyDictionary<string, string> Operators { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// A port the post-services dial instead of node.post-listener (their wrapper rewrites --address), as when they
    /// reach the node by another network path than the daemon; null to dial node.post-listener like the daemon.
    /// </summary>
    public int? ServiceAddressPort { get; init; }

    /// <summary>The ports postfleet.yaml gives as node.public-listener and private-listener; null for the node's own.</summary>
    public int? PublicListenerPort { get; init; }

    public int? PrivateListenerPort { get; init; }

    /// <summary>
    /// An mTLS bundle (`postfleet certs`): the node serves post + postInfo on its grpc-tls-listener only to clients of
    /// its CA, and postfleet.yaml's node.post-listener is that listener with node.tls (the daemon's and the services' keys).
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>post.nonces (16 = one k2pow nonce group per pass).</summary>
    public int Nonces { get; init; } = 16;

    /// <summary>Core-seconds a simulated k2pow-service worker spends per unit per nonce group.</summary>
    public double K2PowWorkerSecondsPerUnit { get; init; } = 0.5;

    /// <summary>Top-level postfleet.yaml lines, e.g. a k2pow: section.</summary>
    public IReadOnlyList<string> ExtraYaml { get; init; } = [];

    /// <summary>
    /// Several simulated nodes (postfleet.yaml's nodes:), each with the offset of its genesis from
    /// <see cref="SimFleet.Genesis"/> (another PoET phase); empty: the one node of node:.
    /// </summary>
    public IReadOnlyList<(string Name, TimeSpan GenesisOffset)> Nodes { get; init; } = [];

    /// <summary>The node of each service when there are several (absent: the first).</summary>
    public IReadOnlyDictionary<string, string> ServiceNodes { get; init; } = new Dictionary<string, string>();

    /// <summary>post.randomx-mode; fast makes every proof's first reply and /status wait for the dataset build.</summary>
    public string RandomXMode { get; init; } = "light";

    /// <summary>Seconds of the simulated fast-mode dataset build (the host profile's randomxFastSetupSeconds); null: its default.</summary>
    public double? RandomXFastSetupSeconds { get; init; }
}

/// <summary>
/// A small simulated 1:N fleet in a temp folder, laid out by <see cref="SimulatedFleet"/> as `postfleet demo` is
/// (node config, disks with a simulated bandwidth, wrapper binaries running `postfleet sim post-service/postcli`, postfleet.yaml), its
/// identities initialised with `postfleet init`, and the real `postfleet sim node` and `postfleet run` processes.
/// </summary>
public sealed class SimFleet : IAsyncDisposable
{
    private const string CommitmentAtx = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    private readonly TempDirectory _temp = new("pf-fault");
    private readonly List<ChildProcess> _nodes = [];
    private readonly SimulatedFleet _layout;

    private SimFleet(SimFleetOptions options)
    {
        Options = options;
        Genesis = DateTimeOffset.UtcNow;
        _layout = SimulatedFleet.Create(new SimulatedFleetOptions(
            _temp.Path,
            RepoPaths.PostfleetExecutable,
            [.. options.Services.GroupBy(s => s.Disk).Select(d => new SimulatedDisk(d.Key, [.. d.Select(s => new SimulatedService(s.Name) { Operator = options.Operators.GetValueOrDefault(s.Name), Node = options.ServiceNodes.GetValueOrDefault(s.Name) })])
            {
                ReadBytesPerSecond = options.ReadBytesPerSecond,
            })])
        {
            TimeScale = options.TimeScale,
            Host = HostOf(options),
            Network = SimulatedNetwork.Guide with { RandomXMode = options.RandomXMode },
            ServiceAddressPort = options.ServiceAddressPort,
            PublicListenerPort = options.PublicListenerPort,
            PrivateListenerPort = options.PrivateListenerPort,
            Nonces = options.Nonces,
            K2PowHost = new HostProfile(4, options.K2PowWorkerSecondsPerUnit, null, null),
            ExtraYaml = options.ExtraYaml,
            Nodes = [.. options.Nodes.Select(n => n.Name)],
            Schedule =
            [
                // The fault tests judge one reader per disk (exclusive mode's promise), named since pipelined is the default.
                "mode: exclusive",
                "per-disk: 1", "max-pow: 2", "max-running: 0", "stop-grace: 2s", "idle-stop-grace: 1s", "startup-grace: 2s", "resync: 1s",
                $"no-progress-timeout: {options.NoProgressTimeout}", "restart-backoff: { initial: 1s, max: 4s }", $"on-shutdown: {options.OnShutdown}",
            ],
            FreePort = FreePorts.Next,
        });
        if (options.Tls)
        {
            Certs = new MtlsBundleWriter(TimeProvider.System).Write(new MtlsBundleRequest(_temp.Combine("certs"), ["127.0.0.1"], ["fleet"], 30, Force: false));
            File.WriteAllText(_layout.NodeConfig, SimulatedNetwork.Guide.NodeConfigJson($"\"api\": {{ \"grpc-tls-ca-cert\": \"{Certs.CaCert}\" }}"));
            File.WriteAllText(FleetConfig, Yaml());
        }
    }

    private static HostProfile HostOf(SimFleetOptions options)
    {
        var host = new HostProfile(2, options.K2PowSeconds, options.PassSuccessProbability, null);
        return options.RandomXFastSetupSeconds is { } setup ? host with { RandomXFastSetupSeconds = setup } : host;
    }

    /// <summary>The mTLS bundle of a fleet made with <see cref="SimFleetOptions.Tls"/>.</summary>
    public MtlsBundleFiles? Certs { get; }

    public int TlsPort { get; } = FreePorts.Next();

    public SimFleetOptions Options { get; }

    public string Root => _temp.Path;

    public DateTimeOffset Genesis { get; }

    public string FleetConfig => _layout.FleetConfig;

    public string NodeDataDir => _layout.NodeDataDir;

    public string NodeRecordPath => _layout.NodeRecord;

    public string ServiceRecordPath => _layout.ServiceRecord;

    public string StateDir => _layout.StateDir;

    /// <summary>The simulated k2pow-service workers' record (their jobs), on their own host.</summary>
    public string K2PowRecordPath => _layout.K2PowRecord;

    public string HistoryPath => _layout.HistoryPath;

    public string DaemonLog => _temp.Combine("daemon.log");

    public int PostPort => _layout.PostPort;

    public int PublicPort => _layout.PublicPort;

    public int PrivatePort => _layout.PrivatePort;

    public ChildProcess? Node { get; private set; }

    public ChildProcess? Daemon { get; private set; }

    public string DataDir(string service) => _layout.DataDir(service);

    /// <summary>Lays out the fleet and initialises every identity (before any node runs: no local.key appears).</summary>
    public static async Task<SimFleet> CreateAsync(SimFleetOptions? options = null)
    {
        var fleet = new SimFleet(options ?? new SimFleetOptions());
        await using var init = ChildProcess.StartPostfleet(["init", "-c", fleet.FleetConfig, "--commitment-atx", CommitmentAtx, "--max-parallel", "2"], fleet.Root, fleet._temp.Combine("init.log"));
        var exit = await init.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(exit == 0, $"init failed ({exit}):\n{init.StandardOutput}\n{init.StandardError}");
        return fleet;
    }

    /// <summary>Starts the fleet: node, then daemon; waits until the node listens.</summary>
    public async Task StartAsync()
    {
        await StartNodeAsync();
        StartDaemon();
    }

    /// <param name="extraArguments">More `postfleet sim node` flags, e.g. `--sync-time` for a restart.</param>
    public async Task StartNodeAsync(params string[] extraArguments)
    {
        var node = ChildProcess.StartPostfleet([.. NodeArguments(), .. extraArguments], Root, _temp.Combine("node.log"));
        _nodes.Add(node);
        Node = node;
        await Eventually.UntilAsync(() => NodeRecord().Count(e => e.Event == "listening") >= _nodes.Count || node.HasExited, "the node to listen", TimeSpan.FromSeconds(30));
        Assert.False(node.HasExited, "the simulated node exited:\n" + node.StandardError);
    }

    /// <summary>Starts the node named <paramref name="name"/> of <see cref="SimFleetOptions.Nodes"/> with its genesis offset; waits until it listens.</summary>
    public async Task StartNodeAsync(string name)
    {
        var offset = Options.Nodes.Single(n => n.Name == name).GenesisOffset;
        var node = ChildProcess.StartPostfleet(_layout.NodeArguments(Genesis + offset, name), Root, _temp.Combine($"node-{name}.log"));
        _nodes.Add(node);
        await Eventually.UntilAsync(() => NodeRecordOf(name).Any(e => e.Event == "listening") || node.HasExited, $"node {name} to listen", TimeSpan.FromSeconds(30));
        Assert.False(node.HasExited, $"the simulated node {name} exited:\n" + node.StandardError);
    }

    /// <summary>The record of the node named <paramref name="name"/> (what that simulated node saw).</summary>
    public IReadOnlyList<SimEvent> NodeRecordOf(string name) => ReadRecord(_layout.NodeRecordOf(name));

    /// <summary>The post port of the node named <paramref name="name"/>.</summary>
    public int PostPortOf(string name) => _layout.PortsOf(name).Post;

    /// <param name="extraArguments">More `postfleet run` arguments, e.g. `--listen` for a test that reads the API.</param>
    public ChildProcess StartDaemon(params string[] extraArguments)
    {
        Daemon = ChildProcess.StartPostfleet(["run", "-c", FleetConfig, .. extraArguments], Root, DaemonLog);
        return Daemon;
    }

    public IReadOnlyList<string> NodeArguments() => Certs is { } certs
        ? [.. _layout.NodeArguments(Genesis), "--grpc-tls-listener", $"127.0.0.1:{TlsPort}", "--grpc-tls-cert", certs.NodeCert, "--grpc-tls-key", certs.NodeKey]
        : _layout.NodeArguments(Genesis);

    // ---- records ----

    public IReadOnlyList<SimEvent> NodeRecord() => ReadRecord(NodeRecordPath);

    public IReadOnlyList<SimEvent> ServiceRecord() => ReadRecord(ServiceRecordPath);

    public IReadOnlyList<SimEvent> K2PowRecord() => ReadRecord(K2PowRecordPath);

    /// <summary>The node identity (lower-case hex) of a service, from its identity.key (public half).</summary>
    public string NodeIdOf(string service) => File.ReadAllText(Path.Combine(DataDir(service), "identity.key"))[64..];

    public IReadOnlyList<SimEvent> ServiceEvents(string service) =>
        ServiceRecord().Where(e => e.Dir == DataDir(service)).ToList();

    public IReadOnlyList<SimEvent> Delivered(string service) =>
        NodeRecord().Where(e => e.Event == "proof-delivered" && e.Identity == service).ToList();

    /// <summary>Waits until every listed service has delivered at least <paramref name="count"/> proofs.</summary>
    public Task WaitForDeliveriesAsync(IEnumerable<string> services, int count, TimeSpan? timeout = null)
    {
        var names = services.ToList();
        return Eventually.UntilAsync(() => names.All(n => Delivered(n).Count >= count), () => $"{count} deliveries of {string.Join(", ", names)}; {Describe()}", timeout ?? TimeSpan.FromSeconds(90));
    }

    public string Describe() =>
        "node record tail:\n" + string.Join('\n', File.Exists(NodeRecordPath) ? File.ReadLines(NodeRecordPath).TakeLast(12) : []) +
        "\ndaemon log tail:\n" + string.Join('\n', File.Exists(DaemonLog) ? ReadShared(DaemonLog).Split('\n').TakeLast(25) : []) +
        "\nprocesses: " + string.Join("; ", _nodes.Select(n => "node " + n.Condition).Append("daemon " + (Daemon?.Condition ?? "not started")));

    private static IReadOnlyList<SimEvent> ReadRecord(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var events = new List<SimEvent>();
        foreach (var line in ReadShared(path).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                events.Add(SimEvent.Parse(line));
            }
            catch (JsonException)
            {
                // A line being written right now.
            }
        }

        return events;
    }

    public static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    // ---- history ----

    /// <summary>Rows of a history table as (column → text), read-only next to the running daemon.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string?>> History(string sql)
    {
        if (!File.Exists(HistoryPath))
        {
            return [];
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = HistoryPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<IReadOnlyDictionary<string, string?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, string?>();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
            }

            rows.Add(row);
        }

        return rows;
    }

    public IReadOnlyList<(string Code, string Message)> Decisions(string service) =>
        History($"SELECT code, message FROM decisions WHERE service = '{service}' ORDER BY id")
            .Select(r => (r["code"]!, r["message"]!)).ToList();

    public IReadOnlyList<(string Action, string Outcome)> Actions(string service) =>
        History($"SELECT action, reason, outcome FROM actions WHERE service = '{service}' ORDER BY id")
            .Select(r => (r["action"]!, r["outcome"]!)).ToList();

    /// <summary>The fleet's postfleet.yaml, optionally with extra schedule lines or only some services.</summary>
    public string Yaml(IReadOnlyList<string>? extraSchedule = null, IReadOnlyCollection<string>? only = null) => Certs is { } certs
        ? _layout.FleetYaml(extraSchedule, only).Replace(
            $"  post-listener: http://127.0.0.1:{PostPort}\n",
            $"  post-listener: https://127.0.0.1:{TlsPort}\n  tls: {{ ca-cert: {certs.CaCert}, cert: {certs.Clients["fleet"].Cert}, key: {certs.Clients["fleet"].Key} }}\n",
            StringComparison.Ordinal)
        : _layout.FleetYaml(extraSchedule, only);

    public async ValueTask DisposeAsync()
    {
        if (Daemon is not null)
        {
            await Daemon.DisposeAsync();
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        // Services outlive the daemon by design; end the ones this fleet started (by pid, from the record).
        foreach (var pid in ServiceRecord().Where(e => e.Event == "started").Select(e => e.Pid).Distinct())
        {
            if (IsOurs(pid))
            {
                _ = Posix.Kill(pid, Posix.SigKill);
            }
        }

        // So do managed k2pow workers; theirs is the host folder in their environment, not their command line.
        foreach (var pid in K2PowRecord().Where(e => e.Event == "started").Select(e => e.Pid).Distinct())
        {
            if (HasOurFolderInItsEnvironment(pid))
            {
                _ = Posix.Kill(pid, Posix.SigKill);
            }
        }

        _temp.Dispose();
    }

    /// <summary>A live pid whose environment names this fleet's folder; a worker that exits while this reads is not.</summary>
    private bool HasOurFolderInItsEnvironment(int pid)
    {
        try
        {
            return IsAlive(pid) && File.ReadAllText($"/proc/{pid}/environ").Contains(Root, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // gone (ENOENT, or ESRCH while it was being reaped)
        }
    }

    /// <summary>Only a live pid whose command line names this fleet's folder (pids are reused).</summary>
    public bool IsOurs(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(Root, StringComparison.Ordinal) && IsAlive(pid);
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var state = ProcStat.Of(pid).State;
            return state != 'Z' && state != 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>One line of a simulator record.</summary>
public sealed record SimEvent(string Event, DateTimeOffset Time, int Pid, string? Identity, string? NodeId, string? Dir, string? Challenge, string? Kind, string? Reason, JsonElement Raw)
{
    public static SimEvent Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement.Clone();
        string? S(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new SimEvent(
            S("event") ?? "",
            DateTimeOffset.Parse(S("time")!, CultureInfo.InvariantCulture),
            root.TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number ? pid.GetInt32() : 0,
            S("identity"),
            S("nodeId"),
            S("dir"),
            S("challenge"),
            S("kind"),
            S("reason"),
            root);
    }
}
