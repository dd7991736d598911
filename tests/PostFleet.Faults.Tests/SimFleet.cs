using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
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
}

/// <summary>
/// A small simulated 1:N fleet in a temp folder, laid out like `postfleet demo` does (node config, disks with a
/// simulated bandwidth, wrapper binaries running `postfleet sim post-service/postcli`, postfleet.yaml), its
/// identities initialised with `postfleet init`, and the real `postfleet sim node` and `postfleet run` processes.
/// </summary>
public sealed class SimFleet : IAsyncDisposable
{
    private const string CommitmentAtx = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    private readonly TempDirectory _temp = new("pf-fault");
    private readonly List<ChildProcess> _nodes = [];

    private SimFleet(SimFleetOptions options)
    {
        Options = options;
        PublicPort = FreePorts.Next();
        PrivatePort = FreePorts.Next();
        PostPort = FreePorts.Next();
        OperatorPorts = options.Services.ToDictionary(s => s.Name, _ => FreePorts.Next());
        Genesis = DateTimeOffset.UtcNow;
    }

    public SimFleetOptions Options { get; }

    public string Root => _temp.Path;

    public int PublicPort { get; }

    public int PrivatePort { get; }

    public int PostPort { get; }

    public IReadOnlyDictionary<string, int> OperatorPorts { get; }

    public DateTimeOffset Genesis { get; }

    public string FleetConfig => _temp.Combine("postfleet.yaml");

    public string NodeDataDir => _temp.Combine("node_data");

    public string NodeRecordPath => _temp.Combine("node", "sim-record.jsonl");

    public string ServiceRecordPath => _temp.Combine("disks", ".postfleet-sim", "record.jsonl");

    public string StateDir => _temp.Combine("state");

    public string HistoryPath => _temp.Combine("state", "history.db");

    public string DaemonLog => _temp.Combine("daemon.log");

    public ChildProcess? Node { get; private set; }

    public ChildProcess? Daemon { get; private set; }

    public string DataDir(string service) => _temp.Combine("disks", Options.Services.Single(s => s.Name == service).Disk, service);

    /// <summary>Lays out the fleet and initialises every identity (before any node runs: no local.key appears).</summary>
    public static async Task<SimFleet> CreateAsync(SimFleetOptions? options = null)
    {
        var fleet = new SimFleet(options ?? new SimFleetOptions());
        fleet.Write();
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

    /// <param name="extraArguments">More `postfleet run` arguments, e.g. `--listen` for a test that reads the API.</param>
    public ChildProcess StartDaemon(params string[] extraArguments)
    {
        Daemon = ChildProcess.StartPostfleet(["run", "-c", FleetConfig, .. extraArguments], Root, DaemonLog);
        return Daemon;
    }

    public IReadOnlyList<string> NodeArguments() =>
    [
        "sim", "node",
        "-c", _temp.Combine("node", "config.json"),
        "--genesis-time", Genesis.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        "-d", NodeDataDir,
        "--grpc-public-listener", $"127.0.0.1:{PublicPort}",
        "--grpc-private-listener", $"127.0.0.1:{PrivatePort}",
        "--grpc-post-listener", $"127.0.0.1:{PostPort}",
        "--time-scale", Options.TimeScale.ToString(CultureInfo.InvariantCulture),
        "--sim-record", NodeRecordPath,
    ];

    // ---- records ----

    public IReadOnlyList<SimEvent> NodeRecord() => ReadRecord(NodeRecordPath);

    public IReadOnlyList<SimEvent> ServiceRecord() => ReadRecord(ServiceRecordPath);

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
        return Eventually.UntilAsync(() => names.All(n => Delivered(n).Count >= count), $"{count} deliveries of {string.Join(", ", names)}; {Describe()}", timeout ?? TimeSpan.FromSeconds(90));
    }

    public string Describe() =>
        "node record tail:\n" + string.Join('\n', File.Exists(NodeRecordPath) ? File.ReadLines(NodeRecordPath).TakeLast(12) : []) +
        "\ndaemon log tail:\n" + string.Join('\n', File.Exists(DaemonLog) ? ReadShared(DaemonLog).Split('\n').TakeLast(25) : []);

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

    // ---- layout ----

    private void Write()
    {
        Directory.CreateDirectory(_temp.Combine("node"));
        File.WriteAllText(_temp.Combine("node", "config.json"), """
            {
              "main": { "layer-duration": "1m", "layers-per-epoch": 15 },
              "poet": { "grace-period": "1m", "cycle-gap": "7m", "phase-shift": "10m", "retry-max": 10, "retry-delay": "2s" },
              "smeshing": { "smeshing-start": false, "smeshing-opts": { "smeshing-opts-scrypt": { "n": 16 } } },
              "post": { "post-labels-per-unit": 1024, "post-min-numunits": 1, "post-max-numunits": 32, "post-k1": 12, "post-k2": 20 },
              "logging": { "grpc": "WARN" }
            }
            """);
        foreach (var disk in Options.Services.Select(s => s.Disk).Distinct())
        {
            Directory.CreateDirectory(_temp.Combine("disks", disk));
            File.WriteAllText(_temp.Combine("disks", disk, "postfleet-sim-disk.json"), $$"""
                { "readBytesPerSecond": {{Options.ReadBytesPerSecond}}, "writeBytesPerSecond": 1048576, "concurrencyPenalty": 0.25 }
                """);
        }

        File.WriteAllText(_temp.Combine("disks", "postfleet-sim-host.json"), $$"""
            { "cores": 2, "k2powSecondsPerUnitPerNonceGroup": {{Options.K2PowSeconds.ToString(CultureInfo.InvariantCulture)}}, "passSuccessProbability": {{Options.PassSuccessProbability.ToString(CultureInfo.InvariantCulture)}} }
            """);
        Directory.CreateDirectory(_temp.Combine("bin"));
        WriteWrapper(_temp.Combine("bin", "post-service"), "post-service", Options.ServiceAddressPort);
        WriteWrapper(_temp.Combine("bin", "postcli"), "postcli");
        File.WriteAllText(FleetConfig, Yaml());
    }

    private static void WriteWrapper(string path, string program, int? addressPort = null)
    {
        // With another address the wrapper stays the process the runtime watches (its command line keeps the arguments
        // the daemon launched it with) and runs the service as its child, passing SIGTERM on as the kill it is.
        var script = addressPort is { } port
            ? $"#!/bin/sh\nfor a in \"$@\"; do shift; if [ \"$prev\" = --address ]; then a=http://127.0.0.1:{port}; fi; set -- \"$@\" \"$a\"; prev=\"$a\"; done\n"
              + $"'{RepoPaths.PostfleetExecutable}' sim {program} \"$@\" &\nchild=$!\ntrap 'kill -KILL $child; exit 143' TERM INT\nwait $child\n"
            : $"#!/bin/sh\nexec '{RepoPaths.PostfleetExecutable}' sim {program} \"$@\"\n";
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string Scaled(TimeSpan duration) =>
        ((long)(duration.TotalMilliseconds / Options.TimeScale)).ToString(CultureInfo.InvariantCulture) + "ms";

    /// <summary>The fleet's postfleet.yaml, optionally with extra schedule lines or only some services.</summary>
    public string Yaml(string? extraSchedule = null, IReadOnlyCollection<string>? only = null)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("node:");
        yaml.AppendLine($"  post-listener: http://127.0.0.1:{PostPort}");
        yaml.AppendLine($"  public-listener: http://127.0.0.1:{Options.PublicListenerPort ?? PublicPort}");
        yaml.AppendLine($"  private-listener: http://127.0.0.1:{Options.PrivateListenerPort ?? PrivatePort}");
        yaml.AppendLine("  data-dir: node_data");
        yaml.AppendLine($"  poet: {{ phase-shift: {Scaled(TimeSpan.FromMinutes(10))}, cycle-gap: {Scaled(TimeSpan.FromMinutes(7))}, grace-period: {Scaled(TimeSpan.FromMinutes(1))} }}");
        yaml.Append(SimulatedNetworkYaml.PostSection);
        yaml.AppendLine("runtime: process");
        yaml.AppendLine("state-dir: state");
        yaml.AppendLine("schedule:");
        yaml.AppendLine("  per-disk: 1");
        yaml.AppendLine("  max-pow: 2");
        yaml.AppendLine("  max-running: 0");
        yaml.AppendLine("  stop-grace: 2s");
        yaml.AppendLine("  idle-stop-grace: 1s");
        yaml.AppendLine("  startup-grace: 2s");
        yaml.AppendLine("  resync: 1s");
        yaml.AppendLine($"  no-progress-timeout: {Options.NoProgressTimeout}");
        yaml.AppendLine("  restart-backoff: { initial: 1s, max: 4s }");
        yaml.AppendLine($"  on-shutdown: {Options.OnShutdown}");
        if (extraSchedule is not null)
        {
            yaml.AppendLine(extraSchedule);
        }

        yaml.AppendLine("disks:");
        foreach (var disk in Options.Services.Where(s => only is null || only.Contains(s.Name)).GroupBy(s => s.Disk))
        {
            yaml.AppendLine($"  - name: {disk.Key}");
            yaml.AppendLine("    services:");
            foreach (var (name, _) in disk)
            {
                var op = Options.Operators.GetValueOrDefault(name) ?? $"127.0.0.1:{OperatorPorts[name]}";
                yaml.AppendLine($"      - {{ name: {name}, dir: disks/{disk.Key}/{name}, num-units: 2, operator: {op} }}");
            }
        }

        return yaml.ToString();
    }

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

        _temp.Dispose();
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
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
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
