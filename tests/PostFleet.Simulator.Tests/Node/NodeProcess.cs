using System.Text.Json;
using Grpc.Net.Client;
using PostFleet.Simulator.Common;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>
/// A real `postfleet sim node` on loopback with free ports, a temp data folder and generated identity keys.
/// The default config is the demo's shape (1 m layers, 15 per epoch, PS 10 m, CG 7 m, GP 1 m) at scale 120:
/// a 7.5 s epoch, PROVING for publish epoch 1 at G+9 s, its deadline at G+15 s.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    public const string DemoConfig = """
        {
          "main": { "layer-duration": "1m", "layers-per-epoch": 15 },
          "poet": { "grace-period": "1m", "cycle-gap": "7m", "phase-shift": "10m" },
          "smeshing": { "smeshing-start": false, "smeshing-opts": { "smeshing-opts-scrypt": { "n": 16 } } },
          "post": { "post-labels-per-unit": 1024, "post-max-numunits": 32, "post-k1": 12, "post-k2": 20 }
        }
        """;

    private readonly List<GrpcChannel> _channels = [];

    private readonly List<ChildProcess> _earlier = [];
    private IReadOnlyList<string> _arguments = [];

    private NodeProcess(TempDirectory folder, ChildProcess process, Dictionary<string, IdentityKey> keys, int publicPort, int privatePort, int postPort, int jsonPort)
    {
        Folder = folder;
        Process = process;
        Keys = keys;
        PublicPort = publicPort;
        PrivatePort = privatePort;
        PostPort = postPort;
        JsonPort = jsonPort;
    }

    public TempDirectory Folder { get; }

    public ChildProcess Process { get; private set; }

    /// <summary>Identity name (file name without .key) → key.</summary>
    public Dictionary<string, IdentityKey> Keys { get; }

    public int PublicPort { get; }

    public int PrivatePort { get; }

    public int PostPort { get; }

    public int JsonPort { get; }

    public string RecordPath => Folder.Combine("data", "sim-record.jsonl");

    public static async Task<NodeProcess> StartAsync(string[] identityNames, double timeScale = 120, string config = DemoConfig, params string[] extraArgs)
    {
        var folder = new TempDirectory("pf-simnode");
        var data = folder.Combine("data");
        Directory.CreateDirectory(Path.Combine(data, "identities"));
        var keys = new Dictionary<string, IdentityKey>();
        foreach (var name in identityNames)
        {
            var key = IdentityKey.Generate();
            keys[name] = key;
            File.WriteAllText(Path.Combine(data, "identities", name + ".key"), key.ToFileContent());
        }

        File.WriteAllText(folder.Combine("config.json"), config);
        int publicPort = FreePorts.Next(), privatePort = FreePorts.Next(), postPort = FreePorts.Next(), jsonPort = FreePorts.Next();

        // Genesis a little in the future, so a slow start on a loaded machine does not push the first
        // challenge into the next epoch (tests still read the publish epoch from the record).
        var now = DateTimeOffset.UtcNow;
        var genesis = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero) + TimeSpan.FromSeconds(3);
        string[] arguments =
            [
                "sim", "node", "-d", data, "--config=" + folder.Combine("config.json"), "--preset", "standalone",
                "--time-scale", timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--grpc-public-listener", $"127.0.0.1:{publicPort}", "--grpc-private-listener", $"127.0.0.1:{privatePort}",
                "--grpc-post-listener", $"127.0.0.1:{postPort}", "--grpc-json-listener", $"127.0.0.1:{jsonPort}",
                "--genesis-time", genesis.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                .. extraArgs,
            ];
        var process = ChildProcess.StartPostfleet(arguments, logPath: folder.Combine("node.log"));
        var node = new NodeProcess(folder, process, keys, publicPort, privatePort, postPort, jsonPort) { _arguments = arguments };
        await process.WaitForOutputAsync("grpc.post\tbound to address", TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>SIGTERM, wait for the exit, start again on the same data folder with the same flags plus <paramref name="extraArgs"/>.</summary>
    public async Task RestartAsync(params string[] extraArgs)
    {
        Process.Signal(Posix.SigTerm);
        Assert.Equal(0, await Process.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        _earlier.Add(Process);
        Process = ChildProcess.StartPostfleet([.. _arguments, .. extraArgs], logPath: Folder.Combine($"node{_earlier.Count + 1}.log"));
        await Process.WaitForOutputAsync("grpc.post\tbound to address", TimeSpan.FromSeconds(30));
    }

    public GrpcChannel Channel(int port)
    {
        var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        _channels.Add(channel);
        return channel;
    }

    public byte[] NodeId(string name) => Keys[name].PublicKey;

    public string NodeIdHex(string name) => Convert.ToHexStringLower(Keys[name].PublicKey);

    /// <summary>The record so far; read with sharing, the node keeps appending.</summary>
    public IReadOnlyList<JsonElement> Record()
    {
        if (!File.Exists(RecordPath))
        {
            return [];
        }

        using var stream = new FileStream(RecordPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var lines = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                lines.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return lines;
    }

    public Task<JsonElement> WaitForRecordAsync(string @event, string? identity = null, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null) =>
        Eventually.UntilAsync<object>(
            () => Task.FromResult<object?>(Record().Where(l => Is(l, @event, identity) && (match?.Invoke(l) ?? true)).Cast<object>().FirstOrDefault()),
            () => $"record event '{@event}' for {identity ?? "any identity"}; record:\n{string.Join('\n', Record())}\nstderr:\n{Process.StandardError}",
            timeout ?? TimeSpan.FromSeconds(40)).ContinueWith(t => (JsonElement)t.Result, TaskScheduler.Default);

    public static bool Is(JsonElement line, string @event, string? identity = null) =>
        line.GetProperty("event").GetString() == @event &&
        (identity is null || (line.TryGetProperty("identity", out var i) && i.GetString() == identity));

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        await Process.DisposeAsync();
        foreach (var earlier in _earlier)
        {
            await earlier.DisposeAsync();
        }

        Folder.Dispose();
    }
}
