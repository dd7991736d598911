using System.Globalization;
using System.Text.Json.Nodes;
using PostFleet.Security;
using PostFleet.Simulator.Common;
using PostFleet.Simulator.Fleet;
using PostFleet.Testing;

namespace PostFleet.Tls.Tests.Support;

/// <summary>One identity of a simulated fleet: its disk, name and size.</summary>
public sealed record SimIdentity(string Disk, string Name, int NumUnits);

/// <summary>How a <see cref="SimFleet"/> is laid out.</summary>
public sealed record SimFleetOptions
{
    /// <summary>Serve post + postInfo on the node's grpc-tls-listener and give the fleet node.tls.</summary>
    public bool Tls { get; init; }

    /// <summary>process or docker.</summary>
    public string Runtime { get; init; } = "process";

    public string DockerImage { get; init; } = "postfleet/post-service-sim:test";

    public string FleetId { get; init; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    public double TimeScale { get; init; } = 100;

    public string OnShutdown { get; init; } = "stop-all";

    /// <summary>Disks whose services get <c>disks[].tls.ca-cert</c> of a foreign CA: they can never connect.</summary>
    public IReadOnlySet<string> WrongCaDisks { get; init; } = new HashSet<string>();
}

/// <summary>
/// A real simulated 1:N setup in a temp folder, laid out by the shared <see cref="SimulatedFleet"/> (with the node's
/// mTLS listener and the fleet's node.tls, or a docker runtime, where asked): `postfleet sim node`, PoST data made by
/// `postfleet init` with the simulated postcli, and `postfleet run` on a postfleet.yaml that points at it.
/// The demo network (1 m layers, 15 per epoch, PS 10 m, CG 7 m, GP 1 m) compressed by the time scale.
/// </summary>
public sealed class SimFleet : IAsyncDisposable
{
    public const string Commitment = "1111111111111111111111111111111111111111111111111111111111111111";

    private readonly List<ChildProcess> _processes = [];
    private readonly SimulatedFleet _layout;
    private ChildProcess? _run;

    private SimFleet(TempDirectory folder, IReadOnlyList<SimIdentity> identities, SimFleetOptions options)
    {
        Folder = folder;
        Identities = identities;
        Options = options;
        TlsPort = FreePorts.Next();
        if (options.Tls)
        {
            Certs = new MtlsBundleWriter(TimeProvider.System).Write(new MtlsBundleRequest(Folder.Combine("certs"), ["127.0.0.1"], ["fleet"], 30, Force: false));
        }

        _layout = SimulatedFleet.Create(new SimulatedFleetOptions(
            folder.Path,
            RepoPaths.PostfleetExecutable,
            [.. identities.GroupBy(i => i.Disk).Select(d => new SimulatedDisk(d.Key, [.. d.Select(i => new SimulatedService(i.Name, (uint)i.NumUnits))])
            {
                // The simulator's own defaults, as when no profile is written.
                ReadBytesPerSecond = DiskProfile.Default.ReadBytesPerSecond,
                WriteBytesPerSecond = DiskProfile.Default.WriteBytesPerSecond,
                ConcurrencyPenalty = DiskProfile.Default.ConcurrencyPenalty,
                Lines = options.WrongCaDisks.Contains(d.Key) ? [$"tls: {{ ca-cert: {ForeignCerts().CaCert} }}"] : [],
            })])
        {
            TimeScale = options.TimeScale,
            Host = HostProfile.Default,
            NodeConfigSections = Certs is { } ca ? $"\"api\": {{ \"grpc-tls-ca-cert\": \"{ca.CaCert}\" }}" : null,
            PostListener = Certs is null ? null : $"https://127.0.0.1:{TlsPort}",
            NodeLines = Certs is { } c ? [$"tls: {{ ca-cert: {c.CaCert}, cert: {c.Clients["fleet"].Cert}, key: {c.Clients["fleet"].Key} }}"] : [],
            Runtime = options.Runtime,
            RuntimeLines = [$"fleet-id: {options.FleetId}", .. options.Runtime == "docker" ? DockerSection(options, identities) : []],
            Schedule = ["per-disk: 1", "max-pow: 2", "stop-grace: 5s", $"on-shutdown: {options.OnShutdown}"],
            FreePort = FreePorts.Next,
        });
    }

    public TempDirectory Folder { get; }

    public IReadOnlyList<SimIdentity> Identities { get; }

    public SimFleetOptions Options { get; }

    public int PublicPort => _layout.PublicPort;

    public int PrivatePort => _layout.PrivatePort;

    public int PostPort => _layout.PostPort;

    public int TlsPort { get; }

    public MtlsBundleFiles? Certs { get; }

    public string FleetConfig => _layout.FleetConfig;

    public string NodeRecord => _layout.NodeRecord;

    public string StateDir => _layout.StateDir;

    public ChildProcess? Node { get; private set; }

    public static SimFleet Create(string prefix, IReadOnlyList<SimIdentity> identities, SimFleetOptions? options = null) =>
        new(new TempDirectory(prefix), identities, options ?? new SimFleetOptions());

    /// <summary>A second CA with its own node and client certificates: what a misconfigured service or client holds.</summary>
    public MtlsBundleFiles ForeignCerts() =>
        new MtlsBundleWriter(TimeProvider.System).Write(new MtlsBundleRequest(Folder.Combine("foreign-certs"), ["127.0.0.1"], ["stranger"], 30, Force: true));

    /// <summary>`postfleet init` with a pinned commitment ATX (no node needed): PoST data, keys in identities/.</summary>
    public async Task InitAsync()
    {
        await using var init = ChildProcess.StartPostfleet(["init", "-c", FleetConfig, "--commitment-atx", Commitment], Folder.Path, Folder.Combine("init.log"));
        var exit = await init.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"postfleet init failed ({exit}):\n{init.StandardOutput}\n{init.StandardError}");
    }

    public async Task StartNodeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        List<string> args = [.. _layout.NodeArguments(new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero))];
        if (Certs is { } certs)
        {
            // The CA comes from the config file (api.grpc-tls-ca-cert); the listener, cert and key from flags.
            args.AddRange(["--grpc-tls-listener", $"127.0.0.1:{TlsPort}", "--grpc-tls-cert", certs.NodeCert, "--grpc-tls-key", certs.NodeKey]);
        }

        Node = Start(args, "node.log");
        await Node.WaitForOutputAsync("\tnode\tstarted", TimeSpan.FromSeconds(30));
    }

    /// <summary>Now, whole seconds, as the node's --genesis-time takes it.</summary>
    public static string GenesisNow()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    public ChildProcess StartRun(string log = "run.log") => _run = Start(["run", "-c", FleetConfig], log);

    public ChildProcess Start(IEnumerable<string> arguments, string log)
    {
        var process = ChildProcess.StartPostfleet(arguments, Folder.Path, Folder.Combine(log));
        _processes.Add(process);
        return process;
    }

    /// <summary>The node's record, one JSON object per line.</summary>
    public IReadOnlyList<JsonObject> NodeEvents() => ReadNodeRecord(NodeRecord);

    /// <summary>A simulated node's record file (--sim-record), read while the node still writes it.</summary>
    public static IReadOnlyList<JsonObject> ReadNodeRecord(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var events = new List<JsonObject>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && JsonNode.Parse(line) is JsonObject json)
            {
                events.Add(json);
            }
        }

        return events;
    }

    /// <summary>Waits until the node holds a proof of a real publish epoch (a NiPoST, not the initial post) from each identity.</summary>
    public Task WaitForEpochProofsAsync(TimeSpan timeout, IEnumerable<string>? names = null)
    {
        var wanted = (names ?? Identities.Select(i => i.Name)).ToList();
        return Eventually.UntilAsync(
            () => wanted.All(n => NodeEvents().Any(e => (string?)e["event"] == "proof-delivered" && (string?)e["identity"] == n && (string?)e["kind"] == "nipost")),
            () => $"a delivered NiPoST proof from each of {string.Join(", ", wanted)}; node record:\n{Tail(NodeRecord, 20)}"
                + (_run is null ? "" : $"\nthe last postfleet run's output:\n{string.Join('\n', (_run.StandardOutput + _run.StandardError).Split('\n').TakeLast(40))}"),
            timeout);
    }

    public static string Tail(string path, int lines) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(lines)) : $"({path} does not exist)";

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.StopAsync(TimeSpan.FromSeconds(15));
            await process.DisposeAsync();
        }

        Folder.Dispose();
    }

    private static IEnumerable<string> DockerSection(SimFleetOptions options, IReadOnlyList<SimIdentity> identities) =>
    [
        "docker:",
        $"  image: {options.DockerImage}",
        "  network: host",
        "  data-mount-path: /post",
        "  endpoints: [ { name: local, address: 'unix:///var/run/docker.sock' } ]",
        $"  disk-endpoints: {{ {string.Join(", ", identities.Select(i => i.Disk).Distinct().Select(d => $"{d}: local"))} }}",
    ];
}
