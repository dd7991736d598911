using System.Text;
using System.Text.Json;
using PostFleet.Simulator.Common;
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
/// (64 labels per unit, 1 KiB files) on two pretend disks, and wrapper scripts standing in for the real binaries,
/// laid out by the shared <see cref="SimulatedFleet"/>. id1 (diskA, 1 unit) and id2 (diskB, 2 units) are installed
/// in the node; id3 (diskB) has data but no key there. Shared by every test in the collection; tests never change
/// it, they write their own configs around it.
/// </summary>
public sealed class SimFleet : IAsyncLifetime
{
    public const double TimeScale = 100;

    // Tiny PoST data: 64 labels per unit, scrypt N 2, at most 8 units, 1 KiB files (the node and the services must agree).
    private static readonly SimulatedNetwork Network = new() { LabelsPerUnit = 64, ScryptN = 2, MaxNumUnits = 8, MaxFileSize = 1024 };

    private readonly SimulatedFleet _layout;
    private ChildProcess? _node;

    public SimFleet()
    {
        const double fast = 100 * 1024 * 1024;
        _layout = SimulatedFleet.Create(new SimulatedFleetOptions(
            Folder.Path,
            RepoPaths.PostfleetExecutable,
            [
                new SimulatedDisk("diskA", [new SimulatedService("id1", 1)]) { ReadBytesPerSecond = fast, WriteBytesPerSecond = fast },
                new SimulatedDisk("diskB", [new SimulatedService("id2", 2), new SimulatedService("id3", 1)]) { ReadBytesPerSecond = fast, WriteBytesPerSecond = fast },
            ])
        {
            Network = Network,
            TimeScale = TimeScale,
            Host = new HostProfile(2, 0.01, 1, null),
            FreePort = FreePorts.Next,
        });
    }

    public TempDirectory Folder { get; } = new("pf-doctor");

    public int PublicPort => _layout.PublicPort;

    public int PrivatePort => _layout.PrivatePort;

    public int PostPort => _layout.PostPort;

    public string NodeData => _layout.NodeDataDir;

    public string Disks => _layout.DisksDir;

    public string ServiceWrapper => Folder.Combine("bin", "post-service");

    public string PostcliWrapper => Folder.Combine("bin", "postcli");

    public string NodeRecord => _layout.NodeRecord;

    public Dictionary<string, SimIdentity> Identities { get; } = [];

    public ChildProcess Node => _node!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(NodeData, "identities"));
        foreach (var identity in await Task.WhenAll(_layout.Services.Select(s => Initialise(s.Name, s.NumUnits))))
        {
            Identities[identity.Name] = identity;
        }

        foreach (var name in new[] { "id1", "id2" })
        {
            File.WriteAllText(Path.Combine(NodeData, "identities", name + ".key"), Identities[name].KeyText);
        }

        var now = DateTimeOffset.UtcNow;
        var genesis = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero) + TimeSpan.FromSeconds(2);
        _node = ChildProcess.StartPostfleet(_layout.NodeArguments(genesis), logPath: Folder.Combine("node", "node.log"));
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
    public string WriteConfig(string folder, IEnumerable<ServiceLine>? services = null, int? postPort = null, string? nodeDataDir = null, string? serviceBinary = null, string? extraYaml = null)
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
        y.Append(Network.PostSettingsYaml());
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

        y.Append(extraYaml);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "postfleet.yaml");
        File.WriteAllText(path, y.ToString());
        return path;
    }

    /// <summary>Runs `postfleet doctor -c CONFIG --json`: the exit code and the parsed findings.</summary>
    public static async Task<(int ExitCode, List<JsonElement> Findings, string Output)> DoctorAsync(string config, params string[] extra)
    {
        await using var run = ChildProcess.StartPostfleet(["doctor", "-c", config, "--json", .. extra]);
        var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));
        using var json = JsonDocument.Parse(run.StandardOutput);
        return (exit, [.. json.RootElement.GetProperty("findings").EnumerateArray().Select(e => e.Clone())], run.StandardOutput + run.StandardError);
    }

    private async Task<SimIdentity> Initialise(string name, uint units)
    {
        var dir = _layout.DataDir(name);
        var disk = Path.GetFileName(Path.GetDirectoryName(dir)!);
        await using var postcli = ChildProcess.StartPostfleet(
        [
            "sim", "postcli", "-provider=4294967295", $"-labelsPerUnit={Network.LabelsPerUnit}", $"-numUnits={units}", $"-scryptN={Network.ScryptN}", $"-maxFileSize={Network.MaxFileSize}",
            "-commitmentAtxId=" + new string('a', 64), "-datadir=" + dir, "-yes",
        ]);
        var exit = await postcli.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"postcli for {name} exited {exit}: {postcli.StandardOutput}{postcli.StandardError}");
        return new SimIdentity(name, disk, dir, units, File.ReadAllText(Path.Combine(dir, "identity.key")));
    }
}

[CollectionDefinition(Name)]
public sealed class SimFleetCollection : ICollectionFixture<SimFleet>
{
    public const string Name = "sim fleet";
}
