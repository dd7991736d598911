using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PostFleet.Security;
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
/// A real simulated 1:N setup in a temp folder: `postfleet sim node` (optionally with its mTLS listener), PoST data
/// made by `postfleet init` with the simulated postcli, and `postfleet run` on a postfleet.yaml that points at it.
/// The demo network (1 m layers, 15 per epoch, PS 10 m, CG 7 m, GP 1 m) compressed by the time scale.
/// </summary>
public sealed class SimFleet : IAsyncDisposable
{
    public const string Commitment = "1111111111111111111111111111111111111111111111111111111111111111";

    private readonly List<ChildProcess> _processes = [];

    private SimFleet(TempDirectory folder, IReadOnlyList<SimIdentity> identities, SimFleetOptions options)
    {
        Folder = folder;
        Identities = identities;
        Options = options;
        OperatorPorts = identities.ToDictionary(i => i.Name, _ => FreePorts.Next());
    }

    public TempDirectory Folder { get; }

    public IReadOnlyList<SimIdentity> Identities { get; }

    public SimFleetOptions Options { get; }

    public int PublicPort { get; } = FreePorts.Next();

    public int PrivatePort { get; } = FreePorts.Next();

    public int PostPort { get; } = FreePorts.Next();

    public int TlsPort { get; } = FreePorts.Next();

    public IReadOnlyDictionary<string, int> OperatorPorts { get; }

    public MtlsBundleFiles? Certs { get; private set; }

    public string FleetConfig => Folder.Combine("postfleet.yaml");

    public string NodeRecord => Folder.Combine("node_data", "sim-record.jsonl");

    public string StateDir => Folder.Combine("state");

    public ChildProcess? Node { get; private set; }

    public static SimFleet Create(string prefix, IReadOnlyList<SimIdentity> identities, SimFleetOptions? options = null)
    {
        var fleet = new SimFleet(new TempDirectory(prefix), identities, options ?? new SimFleetOptions());
        fleet.Write();
        return fleet;
    }

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
        var genesisText = GenesisNow();
        List<string> args =
        [
            "sim", "node", "-c", Folder.Combine("node", "config.json"), "--preset", "standalone", "-d", Folder.Combine("node_data"),
            "--genesis-time", genesisText,
            "--grpc-public-listener", $"127.0.0.1:{PublicPort}", "--grpc-private-listener", $"127.0.0.1:{PrivatePort}",
            "--grpc-post-listener", $"127.0.0.1:{PostPort}",
            "--time-scale", Options.TimeScale.ToString(CultureInfo.InvariantCulture),
        ];
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

    public ChildProcess StartRun(string log = "run.log") => Start(["run", "-c", FleetConfig], log);

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
            $"a delivered NiPoST proof from each of {string.Join(", ", wanted)}; node record:\n{Tail(NodeRecord, 20)}",
            timeout);
    }

    public static string Tail(string path, int lines) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(lines)) : $"({path} does not exist)";

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            if (!process.HasExited)
            {
                process.Signal(Posix.SigTerm);
                try
                {
                    await process.WaitForExitAsync(TimeSpan.FromSeconds(15));
                }
                catch (TimeoutException)
                {
                }
            }

            await process.DisposeAsync();
        }

        Folder.Dispose();
    }

    private void Write()
    {
        Directory.CreateDirectory(Folder.Combine("node"));
        Directory.CreateDirectory(Folder.Combine("node_data"));
        Directory.CreateDirectory(StateDir);
        if (Options.Tls)
        {
            Certs = new MtlsBundleWriter(TimeProvider.System).Write(new MtlsBundleRequest(Folder.Combine("certs"), ["127.0.0.1"], ["fleet"], 30, Force: false));
        }

        var api = Certs is null ? null : $"\"api\": {{ \"grpc-tls-ca-cert\": \"{Certs.CaCert}\" }}";
        File.WriteAllText(Folder.Combine("node", "config.json"), SimulatedNetwork.Guide.NodeConfigJson(api));

        foreach (var disk in Identities.Select(i => i.Disk).Distinct())
        {
            Directory.CreateDirectory(Folder.Combine("disks", disk));
        }

        var bin = Folder.Combine("bin");
        Directory.CreateDirectory(bin);
        WriteWrapper(Path.Combine(bin, "post-service"), "post-service");
        WriteWrapper(Path.Combine(bin, "postcli"), "postcli");
        File.WriteAllText(FleetConfig, FleetYaml());
    }

    private static void WriteWrapper(string path, string program)
    {
        File.WriteAllText(path, $"#!/bin/sh\nexec '{RepoPaths.PostfleetExecutable}' sim {program} \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string FleetYaml()
    {
        var yaml = new StringBuilder();
        yaml.Append(Certs is { } certs
            ? SimulatedNetwork.Guide.NodeAndPostYaml($"https://127.0.0.1:{TlsPort}", PublicPort, PrivatePort, Options.TimeScale, [$"tls: {{ ca-cert: {certs.CaCert}, cert: {certs.Clients["fleet"].Cert}, key: {certs.Clients["fleet"].Key} }}"])
            : SimulatedNetwork.Guide.NodeAndPostYaml($"http://127.0.0.1:{PostPort}", PublicPort, PrivatePort, Options.TimeScale));
        yaml.AppendLine($"runtime: {Options.Runtime}");
        yaml.AppendLine($"fleet-id: {Options.FleetId}");
        if (Options.Runtime == "docker")
        {
            yaml.AppendLine("docker:");
            yaml.AppendLine($"  image: {Options.DockerImage}");
            yaml.AppendLine("  network: host");
            yaml.AppendLine("  data-mount-path: /post");
            yaml.AppendLine("  endpoints: [ { name: local, address: 'unix:///var/run/docker.sock' } ]");
            yaml.AppendLine($"  disk-endpoints: {{ {string.Join(", ", Identities.Select(i => i.Disk).Distinct().Select(d => $"{d}: local"))} }}");
        }

        yaml.AppendLine("state-dir: state");
        yaml.AppendLine("schedule:");
        yaml.AppendLine("  per-disk: 1");
        yaml.AppendLine("  max-pow: 2");
        yaml.AppendLine("  stop-grace: 5s");
        yaml.AppendLine($"  on-shutdown: {Options.OnShutdown}");
        yaml.AppendLine("disks:");
        foreach (var disk in Identities.GroupBy(i => i.Disk))
        {
            yaml.AppendLine($"  - name: {disk.Key}");
            if (Options.WrongCaDisks.Contains(disk.Key))
            {
                yaml.AppendLine($"    tls: {{ ca-cert: {ForeignCerts().CaCert} }}");
            }

            yaml.AppendLine("    services:");
            foreach (var identity in disk)
            {
                yaml.AppendLine($"      - {{ name: {identity.Name}, dir: disks/{disk.Key}/{identity.Name}, num-units: {identity.NumUnits}, operator: 127.0.0.1:{OperatorPorts[identity.Name]} }}");
            }
        }

        return yaml.ToString();
    }
}
