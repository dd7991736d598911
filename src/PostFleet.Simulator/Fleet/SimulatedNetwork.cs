using System.Globalization;

namespace PostFleet.Simulator.Fleet;

/// <summary>
/// The simulated node's network settings, written in one place: the node's config.json and the post: section of
/// a postfleet.yaml must agree on them (labels per unit, scrypt N, k1, k2, units), or post-service and the node
/// would not accept each other's proofs. The defaults are the official guide's network: 1-minute layers, 15 per
/// epoch, PoET phase shift 10m, cycle gap 7m, grace 1m; 1024 labels per unit, scrypt N 16, 1..32 units, k1 12, k2 20.
/// </summary>
public sealed record SimulatedNetwork
{
    public static readonly SimulatedNetwork Guide = new();

    private static readonly TimeSpan PhaseShift = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan CycleGap = TimeSpan.FromMinutes(7);
    private static readonly TimeSpan GracePeriod = TimeSpan.FromMinutes(1);

    public ulong LabelsPerUnit { get; init; } = 1024;

    public int ScryptN { get; init; } = 16;

    /// <summary>post.nonces: a multiple of 16; each 16 is one nonce group, one k2pow job per pass.</summary>
    public int Nonces { get; init; } = 16;

    public uint MinNumUnits { get; init; } = 1;

    public uint MaxNumUnits { get; init; } = 32;

    /// <summary>postcli's -maxFileSize, bytes per PoST file; null for post-service's default.</summary>
    public ulong? MaxFileSize { get; init; }

    /// <summary>post.randomx-mode: light builds its prover at once; fast pays the host's dataset build per proof.</summary>
    public string RandomXMode { get; init; } = "light";

    /// <summary>The simulator network's trivial k2pow difficulty (post.pow-difficulty), 32 bytes of hex.</summary>
    public static readonly string PowDifficulty = new('f', 64);

    /// <summary>The node's config.json; <paramref name="extraSections"/> are more top-level members (e.g. an "api" object).</summary>
    public string NodeConfigJson(string? extraSections = null) => string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "main": { "layer-duration": "1m", "layers-per-epoch": 15 },
          "poet": { "grace-period": "1m", "cycle-gap": "7m", "phase-shift": "10m", "retry-max": 10, "retry-delay": "2s" },
          "smeshing": { "smeshing-start": false, "smeshing-opts": { "smeshing-opts-scrypt": { "n": {{ScryptN}} } } },
          "post": { "post-labels-per-unit": {{LabelsPerUnit}}, "post-min-numunits": {{MinNumUnits}}, "post-max-numunits": {{MaxNumUnits}}, "post-k1": 12, "post-k2": 20 },
          "logging": { "grpc": "WARN" }{{(extraSections is null ? "" : ",\n  " + extraSections)}}
        }
        """);

    /// <summary>
    /// The post: settings of a postfleet.yaml for this network (indented two spaces), without the binaries, which
    /// differ per layout; the pow difficulty is the simulator's trivial one.
    /// </summary>
    public string PostSettingsYaml() => string.Join('\n', PostSettingLines()) + "\n";

    private IEnumerable<string> PostSettingLines()
    {
        string[] lines =
        [
            $"  labels-per-unit: {LabelsPerUnit.ToString(CultureInfo.InvariantCulture)}",
            $"  scrypt-n: {ScryptN.ToString(CultureInfo.InvariantCulture)}",
            "  k1: 12",
            "  k2: 20",
            "  pow-difficulty: " + PowDifficulty,
            "  randomx-mode: " + RandomXMode,
            "  threads: 1",
            $"  nonces: {Nonces.ToString(CultureInfo.InvariantCulture)}",
            $"  min-num-units: {MinNumUnits.ToString(CultureInfo.InvariantCulture)}",
            $"  max-num-units: {MaxNumUnits.ToString(CultureInfo.InvariantCulture)}",
            "  provider: 4294967295",
        ];
        return MaxFileSize is { } size ? [.. lines, $"  max-file-size: {size.ToString(CultureInfo.InvariantCulture)}"] : lines;
    }

    /// <summary>A postfleet.yaml's <c>poet:</c> line (under node:) for a node run with <c>--time-scale</c> <paramref name="timeScale"/>.</summary>
    public static string PoetYaml(double timeScale) =>
        $"  poet: {{ phase-shift: {Scaled(PhaseShift, timeScale)}, cycle-gap: {Scaled(CycleGap, timeScale)}, grace-period: {Scaled(GracePeriod, timeScale)} }}\n";

    private static string Scaled(TimeSpan duration, double timeScale) =>
        ((long)(duration.TotalMilliseconds / timeScale)).ToString(CultureInfo.InvariantCulture) + "ms";

    /// <summary>
    /// A postfleet.yaml's node: and post: sections for this network: the node's listeners (the post listener as
    /// given, http or https), its data folder, the PoET timings at <paramref name="timeScale"/>, more node lines
    /// (e.g. tls:), and the post settings with the wrapper binaries under bin/.
    /// </summary>
    public string NodeAndPostYaml(string postListener, int publicPort, int privatePort, double timeScale, IEnumerable<string>? nodeLines = null) =>
        string.Join('\n', ["node:", .. NodeLines(postListener, publicPort, privatePort, "node_data", nodeLines)])
        + "\n" + PoetYaml(timeScale)
        + PostYaml();

    /// <summary>
    /// A postfleet.yaml's <c>nodes:</c> list (several nodes on this network, each with its own listeners and data
    /// folder, the same PoET timings) and its post: section.
    /// </summary>
    public string NodesAndPostYaml(IEnumerable<SimulatedNodeEntry> nodes, double timeScale) =>
        "nodes:\n"
        + string.Concat(nodes.Select(n =>
            $"  - name: {n.Name}\n"
            + string.Concat(NodeLines(n.PostListener, n.PublicPort, n.PrivatePort, n.DataDir, null).Select(l => "  " + l + "\n"))
            + "  " + PoetYaml(timeScale)))
        + PostYaml();

    private static IEnumerable<string> NodeLines(string postListener, int publicPort, int privatePort, string dataDir, IEnumerable<string>? nodeLines) =>
    [
        $"  post-listener: {postListener}",
        .. (nodeLines ?? []).Select(l => "  " + l),
        $"  public-listener: http://127.0.0.1:{publicPort.ToString(CultureInfo.InvariantCulture)}",
        $"  private-listener: http://127.0.0.1:{privatePort.ToString(CultureInfo.InvariantCulture)}",
        $"  data-dir: {dataDir}",
    ];

    private string PostYaml() => "post:\n  service-binary: bin/post-service\n  postcli-binary: bin/postcli\n" + PostSettingsYaml();
}

/// <summary>One node of a <c>nodes:</c> list: its name, post listener, public and private ports and data folder.</summary>
public sealed record SimulatedNodeEntry(string Name, string PostListener, int PublicPort, int PrivatePort, string DataDir);
