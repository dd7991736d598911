using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PostFleet.Cli.Demo;

/// <summary>
/// Lays out a self-contained simulated fleet in one folder: the node's config, five pretend disks (folders with a
/// simulated bandwidth), wrapper executables that stand in for the real post-service and postcli binaries, and a
/// postfleet.yaml that points at all of it. Every port is a free loopback port picked now.
/// </summary>
internal sealed class DemoWorkspace
{
    // The demo network of the official guide: 1-minute layers, 15 per epoch, PoET PS 10m / CG 7m / GP 1m.
    private static readonly TimeSpan PhaseShift = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan CycleGap = TimeSpan.FromMinutes(7);
    private static readonly TimeSpan GracePeriod = TimeSpan.FromMinutes(1);

    private DemoWorkspace(string root, double timeScale)
    {
        Root = root;
        TimeScale = timeScale;
        PublicPort = FreePort();
        PrivatePort = FreePort();
        PostPort = FreePort();
        OperatorPorts = DemoTopology.Identities.ToDictionary(i => i.Name, _ => FreePort());
    }

    public string Root { get; }

    public double TimeScale { get; }

    public int PublicPort { get; }

    public int PrivatePort { get; }

    public int PostPort { get; }

    public IReadOnlyDictionary<string, int> OperatorPorts { get; }

    public string NodeDataDir => Path.Combine(Root, "node_data");

    public string NodeConfig => Path.Combine(Root, "node", "config.json");

    public string FleetConfig => Path.Combine(Root, "postfleet.yaml");

    public string DisksDir => Path.Combine(Root, "disks");

    public string StateDir => Path.Combine(Root, "state");

    public string NodeRecord => Path.Combine(Root, "node", "sim-record.jsonl");

    public string ServiceRecord => Path.Combine(DisksDir, ".postfleet-sim", "record.jsonl");

    public static DemoWorkspace Create(string root, double timeScale, string postfleetExecutable)
    {
        var workspace = new DemoWorkspace(Path.GetFullPath(root), timeScale);
        workspace.Write(postfleetExecutable);
        return workspace;
    }

    /// <summary>The arguments of `postfleet sim node` for this workspace (the guide's command, time-compressed).</summary>
    public IReadOnlyList<string> NodeArguments(DateTimeOffset genesis) =>
    [
        "sim", "node",
        "-c", NodeConfig,
        "--preset", "standalone",
        "--genesis-time", genesis.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        "-d", NodeDataDir,
        "--grpc-public-listener", $"127.0.0.1:{PublicPort}",
        "--grpc-private-listener", $"127.0.0.1:{PrivatePort}",
        "--grpc-post-listener", $"127.0.0.1:{PostPort}",
        "--time-scale", TimeScale.ToString(CultureInfo.InvariantCulture),
        "--sim-record", NodeRecord,
    ];

    private void Write(string postfleetExecutable)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(NodeConfig)!);
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(NodeConfig, NodeConfigJson);
        WriteSimulatedHardware();
        var bin = Path.Combine(Root, "bin");
        Directory.CreateDirectory(bin);
        WriteWrapper(Path.Combine(bin, "post-service"), postfleetExecutable, "post-service");
        WriteWrapper(Path.Combine(bin, "postcli"), postfleetExecutable, "postcli");
        File.WriteAllText(FleetConfig, FleetYaml());
    }

    // Disks of different speeds so the schedule has something to balance; bytes per second of wall time.
    private void WriteSimulatedHardware()
    {
        var speeds = new Dictionary<string, int> { ["diskA"] = 256, ["diskB"] = 384, ["diskC"] = 320, ["diskD"] = 192, ["diskE"] = 256 };
        foreach (var disk in DemoTopology.Disks)
        {
            var dir = Path.Combine(DisksDir, disk.Name);
            Directory.CreateDirectory(dir);
            var kib = speeds[disk.Name] * 1024;
            File.WriteAllText(Path.Combine(dir, "postfleet-sim-disk.json"), $$"""
                { "readBytesPerSecond": {{kib}}, "writeBytesPerSecond": {{kib * 2}}, "concurrencyPenalty": 0.25 }
                """);
        }

        File.WriteAllText(Path.Combine(DisksDir, "postfleet-sim-host.json"), """
            { "cores": 2, "k2powSecondsPerUnitPerNonceGroup": 0.05, "passSuccessProbability": 0.9 }
            """);
    }

    private static void WriteWrapper(string path, string postfleetExecutable, string program)
    {
        // `exec` keeps the PID, so the runtime tracks the simulated program itself, as it would the real binary.
        File.WriteAllText(path, $"#!/bin/sh\nexec '{postfleetExecutable}' sim {program} \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private const string NodeConfigJson = """
        {
          "main": { "layer-duration": "1m", "layers-per-epoch": 15 },
          "poet": { "grace-period": "1m", "cycle-gap": "7m", "phase-shift": "10m", "retry-max": 10, "retry-delay": "2s" },
          "smeshing": { "smeshing-start": false, "smeshing-opts": { "smeshing-opts-scrypt": { "n": 16 } } },
          "post": { "post-labels-per-unit": 1024, "post-min-numunits": 1, "post-max-numunits": 32, "post-k1": 12, "post-k2": 20 },
          "logging": { "grpc": "WARN" }
        }
        """;

    private string Scaled(TimeSpan duration) =>
        ((long)(duration.TotalMilliseconds / TimeScale)).ToString(CultureInfo.InvariantCulture) + "ms";

    private string FleetYaml()
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("# Generated by `postfleet demo`: the official 1:N demo's fleet on a simulated, time-compressed network.");
        yaml.AppendLine("node:");
        yaml.AppendLine($"  post-listener: http://127.0.0.1:{PostPort}");
        yaml.AppendLine($"  public-listener: http://127.0.0.1:{PublicPort}");
        yaml.AppendLine($"  private-listener: http://127.0.0.1:{PrivatePort}");
        yaml.AppendLine("  data-dir: node_data");
        yaml.AppendLine($"  poet: {{ phase-shift: {Scaled(PhaseShift)}, cycle-gap: {Scaled(CycleGap)}, grace-period: {Scaled(GracePeriod)} }}");
        yaml.AppendLine("post:");
        yaml.AppendLine("  service-binary: bin/post-service");
        yaml.AppendLine("  postcli-binary: bin/postcli");
        yaml.AppendLine("  labels-per-unit: 1024");
        yaml.AppendLine("  scrypt-n: 16");
        yaml.AppendLine("  k1: 12");
        yaml.AppendLine("  k2: 20");
        yaml.AppendLine("  pow-difficulty: " + new string('f', 64));
        yaml.AppendLine("  randomx-mode: light");
        yaml.AppendLine("  threads: 1");
        yaml.AppendLine("  nonces: 16");
        yaml.AppendLine("  min-num-units: 1");
        yaml.AppendLine("  max-num-units: 32");
        yaml.AppendLine("  provider: 4294967295");
        yaml.AppendLine("runtime: process");
        yaml.AppendLine("state-dir: state");
        yaml.AppendLine("schedule:");
        yaml.AppendLine("  per-disk: 1");
        yaml.AppendLine("  max-pow: 2");
        yaml.AppendLine("  max-running: 0");
        yaml.AppendLine("  stop-grace: 5s");
        yaml.AppendLine("  on-shutdown: stop-all");
        yaml.AppendLine("disks:");
        foreach (var disk in DemoTopology.Disks)
        {
            yaml.AppendLine($"  - name: {disk.Name}");
            yaml.AppendLine("    services:");
            foreach (var identity in disk.Identities)
            {
                var after = identity.After.Length == 0 ? "" : $", after: [{string.Join(", ", identity.After)}]";
                yaml.AppendLine($"      - {{ name: {identity.Name}, dir: disks/{disk.Name}/{identity.Name}, num-units: {identity.NumUnits}, operator: 127.0.0.1:{OperatorPorts[identity.Name]}{after} }}");
            }
        }

        return yaml.ToString();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
