using System.Globalization;
using System.Text;
using System.Text.Json;
using PostFleet.Simulator.Fleet;
using PostFleet.Testing;

namespace PostFleet.Doctor.Tests;

/// <summary>One data folder made by `postfleet sim postcli`: its folder, units, and node id.</summary>
public sealed record SimIdentity(string Name, string Disk, string Dir, uint NumUnits, string KeyText)
{
    public string NodeIdHex => KeyText[64..].ToLowerInvariant();
}

/// <summary>A service line of a test config.</summary>
public sealed record ServiceLine(string Disk, string Name, string Dir, uint NumUnits, int OperatorPort);

/// <summary>
/// A real simulated node on loopback (1 m layers at time-scale 100), tiny PoST data made by the simulated postcli
/// (64 labels per unit, 1 KiB files) on two pretend disks, and wrapper scripts standing in for the real binaries.
/// id1 (diskA, 1 unit) and id2 (diskB, 2 units) are installed in the node; id3 (diskB) has data but no key there.
/// Shared by every test in the collection; tests never change it, they write their own configs around it.
/// </summary>
public sealed class SimFleet : IAsyncLifetime
{
    public const double TimeScale = 100;

    // Tiny PoST data: 64 labels per unit, scrypt N 2, at most 8 units (the node and the services must agree).
    private static readonly SimulatedNetwork Network = new() { LabelsPerUnit = 64, ScryptN = 2, MaxNumUnits = 8 };

    private ChildProcess? _node;

    public TempDirectory Folder { get; } = new("pf-doctor");

    public int PublicPort { get; } = FreePorts.Next();

    public int PrivatePort { get; } = FreePorts.Next();

    public int PostPort { get; } = FreePorts.Next();

    public string NodeData => Folder.Combine("node_data");

    public string Disks => Folder.Combine("disks");

    public string ServiceWrapper => Folder.Combine("bin", "post-service");

    public string PostcliWrapper => Folder.Combine("bin", "postcli");

    public string NodeRecord => Folder.Combine("node", "sim-record.jsonl");

    public Dictionary<string, SimIdentity> Identities { get; } = [];

    public ChildProcess Node => _node!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder.Combine("bin"));
        Directory.CreateDirectory(Folder.Combine("node"));
        Directory.CreateDirectory(Path.Combine(NodeData, "identities"));
        WriteWrapper(ServiceWrapper, "post-service");
        WriteWrapper(PostcliWrapper, "postcli");
        foreach (var disk in new[] { "diskA", "diskB" })
        {
            Directory.CreateDirectory(Path.Combine(Disks, disk));
            File.WriteAllText(Path.Combine(Disks, disk, "postfleet-sim-disk.json"), """{ "readBytesPerSecond": 104857600, "writeBytesPerSecond": 104857600 }""");
        }

        File.WriteAllText(Path.Combine(Disks, "postfleet-sim-host.json"), """{ "cores": 2, "k2powSecondsPerUnitPerNonceGroup": 0.01, "passSuccessProbability": 1 }""");

        foreach (var identity in await Task.WhenAll(Initialise("id1", "diskA", 1), Initialise("id2", "diskB", 2), Initialise("id3", "diskB", 1)))
        {
            Identities[identity.Name] = identity;
        }

        foreach (var name in new[] { "id1", "id2" })
        {
            File.WriteAllText(Path.Combine(NodeData, "identities", name + ".key"), Identities[name].KeyText);
        }

        File.WriteAllText(Folder.Combine("node", "config.json"), Network.NodeConfigJson());
        var now = DateTimeOffset.UtcNow;
        var genesis = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero) + TimeSpan.FromSeconds(2);
        _node = ChildProcess.StartPostfleet(
            [
                "sim", "node", "-c", Folder.Combine("node", "config.json"), "--preset", "standalone",
                "--genesis-time", genesis.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                "-d", NodeData,
                "--grpc-public-listener", $"127.0.0.1:{PublicPort}", "--grpc-private-listener", $"127.0.0.1:{PrivatePort}",
                "--grpc-post-listener", $"127.0.0.1:{PostPort}",
                "--time-scale", TimeScale.ToString(CultureInfo.InvariantCulture), "--sim-record", NodeRecord,
            ],
            logPath: Folder.Combine("node", "node.log"));
        await _node.WaitForOutputAsync("grpc.post\tbound to address", TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Folder.Dispose();
    }

    /// <summary>The two services the node carries, each on its own fresh operator port.</summary>
    public List<ServiceLine> Services() =>
    [
        new("diskA", "id1", Identities["id1"].Dir, 1, FreePorts.Next()),
        new("diskB", "id2", Identities["id2"].Dir, 2, FreePorts.Next()),
    ];

    /// <summary>A config (written to a fresh folder) for this fleet, with any part replaced.</summary>
    public string WriteConfig(string folder, IEnumerable<ServiceLine>? services = null, int? postPort = null, string? nodeDataDir = null, string? serviceBinary = null)
    {
        var y = new StringBuilder();
        y.AppendLine("node:");
        y.AppendLine($"  post-listener: http://127.0.0.1:{postPort ?? PostPort}");
        y.AppendLine($"  public-listener: http://127.0.0.1:{PublicPort}");
        y.AppendLine($"  private-listener: http://127.0.0.1:{PrivatePort}");
        y.AppendLine($"  data-dir: '{nodeDataDir ?? NodeData}'");
        y.Append(SimulatedNetwork.PoetYaml(TimeScale));
        y.AppendLine("post:");
        y.AppendLine($"  service-binary: '{serviceBinary ?? ServiceWrapper}'");
        y.AppendLine($"  postcli-binary: '{PostcliWrapper}'");
        y.AppendLine("  labels-per-unit: 64");
        y.AppendLine("  scrypt-n: 2");
        y.AppendLine("  k1: 12");
        y.AppendLine("  k2: 20");
        y.AppendLine("  pow-difficulty: " + new string('f', 64));
        y.AppendLine("  randomx-mode: light");
        y.AppendLine("  nonces: 16");
        y.AppendLine("  min-num-units: 1");
        y.AppendLine("  max-num-units: 8");
        y.AppendLine("  max-file-size: 1024");
        y.AppendLine($"state-dir: '{Path.Combine(folder, "state")}'");
        y.AppendLine("disks:");
        foreach (var disk in (services ?? Services()).GroupBy(s => s.Disk))
        {
            y.AppendLine($"  - name: {disk.Key}");
            y.AppendLine("    services:");
            foreach (var s in disk)
            {
                y.AppendLine($"      - {{ name: {s.Name}, dir: '{s.Dir}', num-units: {s.NumUnits}, operator: 127.0.0.1:{s.OperatorPort} }}");
            }
        }

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "postfleet.yaml");
        File.WriteAllText(path, y.ToString());
        return path;
    }

    /// <summary>Runs `postfleet doctor -c CONFIG --json`: the exit code and the parsed findings.</summary>
    public static async Task<(int ExitCode, List<JsonElement> Findings, string Output)> DoctorAsync(string config)
    {
        await using var run = ChildProcess.StartPostfleet(["doctor", "-c", config, "--json"]);
        var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));
        using var json = JsonDocument.Parse(run.StandardOutput);
        return (exit, [.. json.RootElement.GetProperty("findings").EnumerateArray().Select(e => e.Clone())], run.StandardOutput + run.StandardError);
    }

    private async Task<SimIdentity> Initialise(string name, string disk, uint units)
    {
        var dir = Path.Combine(Disks, disk, name);
        await using var postcli = ChildProcess.StartPostfleet(
        [
            "sim", "postcli", "-provider=4294967295", "-labelsPerUnit=64", $"-numUnits={units}", "-scryptN=2", "-maxFileSize=1024",
            "-commitmentAtxId=" + new string('a', 64), "-datadir=" + dir, "-yes",
        ]);
        var exit = await postcli.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"postcli for {name} exited {exit}: {postcli.StandardOutput}{postcli.StandardError}");
        return new SimIdentity(name, disk, dir, units, File.ReadAllText(Path.Combine(dir, "identity.key")));
    }

    private static void WriteWrapper(string path, string program)
    {
        File.WriteAllText(path, $"#!/bin/sh\nexec '{RepoPaths.PostfleetExecutable}' sim {program} \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}

[CollectionDefinition(Name)]
public sealed class SimFleetCollection : ICollectionFixture<SimFleet>
{
    public const string Name = "sim fleet";
}
