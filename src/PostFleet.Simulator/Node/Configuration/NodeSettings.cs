using System.Globalization;
using System.Text.Json;

namespace PostFleet.Simulator.Node;

/// <summary>Everything the simulated node runs with, after preset → config file → flags.</summary>
public sealed record NodeSettings(
    string DataFolder,
    NetworkParameters Network,
    PostParameters Post,
    bool SmeshingStart,
    string Coinbase,
    string PublicListener,
    string PrivateListener,
    string PostListener,
    string? JsonListener,
    double TimeScale,
    string RecordPath,
    bool GenesisFromStartTime,
    NodeTlsSettings? Tls = null)
{
    /// <summary>
    /// How long after a start the node reports <c>is_synced: false</c> and keeps every identity IDLE, as go-spacemesh
    /// does until its ATX sync is done (wall time: the flag's network duration divided by the time scale).
    /// </summary>
    public TimeSpan SyncTime { get; init; } = DefaultSyncTime;

    /// <summary>A standalone network syncs in seconds; mainnet takes minutes to hours.</summary>
    public static readonly TimeSpan DefaultSyncTime = TimeSpan.FromSeconds(5);

    /// <summary>`--sim-watch-pid`: the process whose end shuts the node down (null: none).</summary>
    public int? WatchPid { get; init; }

    /// <summary>
    /// The 2 s `queryInterval` between GenProof polls and between connection look-ups (real node constants),
    /// scaled like every other network duration.
    /// </summary>
    public TimeSpan PollInterval => TimeSpan.FromSeconds(2 / TimeScale);

    public string IdentitiesFolder => Path.Combine(DataFolder, "identities");

    public string StatePath => Path.Combine(DataFolder, "sim-state.json");

    /// <summary>A coinbase of the standalone preset's kind (hrp "stest"); the value itself is not checked by anyone.</summary>
    public const string PresetCoinbase = "stest1qqqqqqygdpsq62p4qxfyng8h2mm4f4d94vt7huqqu9mz3";

    public static NodeSettings Resolve(IReadOnlyDictionary<string, string> flags, DateTimeOffset startTime)
    {
        var config = flags.TryGetValue("config", out var configPath) ? LoadConfig(configPath) : default;

        var scale = 1.0;
        if (flags.TryGetValue("time-scale", out var scaleText) &&
            (!double.TryParse(scaleText, NumberStyles.Float, CultureInfo.InvariantCulture, out scale) || !(scale > 0) || double.IsInfinity(scale)))
        {
            throw new StartupException($"invalid --time-scale \"{scaleText}\": expected a positive number");
        }

        TimeSpan Scaled(string section, string key, TimeSpan preset) =>
            Duration(config, section, key, preset) / scale;

        var genesisGiven = flags.TryGetValue("genesis-time", out var genesisText) || TryString(config, "genesis", "genesis-time", out genesisText);
        var genesis = genesisGiven
            ? ParseGenesis(genesisText!)
            : new DateTimeOffset(startTime.UtcTicks - (startTime.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

        var network = new NetworkParameters(
            genesis,
            Scaled("main", "layer-duration", TimeSpan.FromSeconds(6)),
            (uint)Number(config, "main", "layers-per-epoch", 10),
            Scaled("poet", "phase-shift", TimeSpan.FromSeconds(30)),
            Scaled("poet", "cycle-gap", TimeSpan.FromSeconds(30)),
            Scaled("poet", "grace-period", TimeSpan.FromSeconds(12)));
        if (network.LayerDuration <= TimeSpan.Zero || network.LayersPerEpoch == 0)
        {
            throw new StartupException("layer-duration and layers-per-epoch must be positive");
        }

        var post = new PostParameters(
            (ulong)Number(config, "post", "post-labels-per-unit", 1024),
            (uint)Number(config, "post", "post-k1", 12),
            (uint)Number(config, "post", "post-k2", 20),
            (uint)Number(config, "post", "post-min-numunits", 1),
            (uint)Number(config, "post", "post-max-numunits", 32),
            (ulong)Number(config, "smeshing", "smeshing-opts.smeshing-opts-scrypt.n", 16));

        var smeshingStart = flags.TryGetValue("smeshing-start", out var startText)
            ? bool.Parse(startText)
            : Bool(config, "smeshing", "smeshing-start", true);
        var coinbase = flags.TryGetValue("smeshing-coinbase", out var cb) ? cb
            : TryString(config, "smeshing", "smeshing-coinbase", out var cfgCb) ? cfgCb! : PresetCoinbase;

        var dataFolder = flags.TryGetValue("data-folder", out var d) ? d
            : TryString(config, "main", "data-folder", out var cfgData) ? cfgData! : Path.Combine(Path.GetTempPath(), "spacemesh");
        dataFolder = Path.GetFullPath(dataFolder);

        string Listener(string key, string preset) =>
            flags.TryGetValue(key, out var v) ? v : TryString(config, "api", key, out var c) ? c! : preset;

        var json = Listener("grpc-json-listener", "");
        var tls = ResolveTls(flags, config);
        var syncTime = DefaultSyncTime;
        if (flags.TryGetValue("sync-time", out var syncText) && (!GoDuration.TryParse(syncText, out syncTime) || syncTime < TimeSpan.Zero))
        {
            throw new StartupException($"invalid --sync-time \"{syncText}\": expected a Go duration such as 5s, 2m or 0s");
        }

        int? watchPid = null;
        if (flags.TryGetValue("sim-watch-pid", out var pidText))
        {
            watchPid = int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                ? pid
                : throw new StartupException($"invalid --sim-watch-pid \"{pidText}\": expected a process id (a positive whole number)");
        }

        return new NodeSettings(
            dataFolder,
            network,
            post,
            smeshingStart,
            coinbase,
            Listener("grpc-public-listener", "127.0.0.1:10092"),
            Listener("grpc-private-listener", "127.0.0.1:10093"),
            Listener("grpc-post-listener", "127.0.0.1:0"),
            json.Length == 0 ? null : json,
            scale,
            flags.TryGetValue("sim-record", out var record) ? Path.GetFullPath(record) : Path.Combine(dataFolder, "sim-record.jsonl"),
            !genesisGiven,
            tls)
        {
            SyncTime = syncTime / scale,
            WatchPid = watchPid,
        };
    }

    /// <summary>
    /// The mTLS listener (api.grpc-tls-*): off unless grpc-tls-listener is set; then the certificate, its key and
    /// the client CA (flag `--gprc-tls-ca-cert`, config key `grpc-tls-ca-cert`) are all required.
    /// </summary>
    private static NodeTlsSettings? ResolveTls(IReadOnlyDictionary<string, string> flags, JsonElement config)
    {
        string? Value(string flag, string key) =>
            flags.TryGetValue(flag, out var v) ? v : TryString(config, "api", key, out var c) ? c : null;

        var listener = Value("grpc-tls-listener", "grpc-tls-listener");
        if (string.IsNullOrEmpty(listener))
        {
            return null;
        }

        var cert = Value("grpc-tls-cert", "grpc-tls-cert");
        var key = Value("grpc-tls-key", "grpc-tls-key");
        var ca = Value("gprc-tls-ca-cert", "grpc-tls-ca-cert");
        var missing = new[] { ("grpc-tls-cert", cert), ("grpc-tls-key", key), ("grpc-tls-ca-cert", ca) }
            .Where(x => string.IsNullOrEmpty(x.Item2)).Select(x => x.Item1).ToList();
        if (missing.Count > 0)
        {
            throw new StartupException($"grpc-tls-listener {listener} needs {string.Join(", ", missing)}");
        }

        return new NodeTlsSettings(listener, Path.GetFullPath(cert!), Path.GetFullPath(key!), Path.GetFullPath(ca!));
    }

    private static DateTimeOffset ParseGenesis(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var g)
            ? g.ToUniversalTime()
            : throw new StartupException($"invalid genesis-time \"{text}\": expected RFC3339, e.g. 2024-03-08T14:30:00Z");

    private static JsonElement LoadConfig(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return doc.RootElement.Clone();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new StartupException($"failed to load config {path}: {ex.Message}");
        }
    }

    /// <summary>Finds section.key where key may be a dotted path into nested objects; absent → false.</summary>
    private static bool TryFind(JsonElement config, string section, string key, out JsonElement value)
    {
        value = default;
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty(section, out var current))
        {
            return false;
        }

        foreach (var part in key.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return false;
            }
        }

        value = current;
        return true;
    }

    private static bool TryString(JsonElement config, string section, string key, out string? value)
    {
        value = TryFind(config, section, key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return value is not null;
    }

    private static TimeSpan Duration(JsonElement config, string section, string key, TimeSpan preset)
    {
        if (!TryFind(config, section, key, out var v))
        {
            return preset;
        }

        return v.ValueKind == JsonValueKind.String && GoDuration.TryParse(v.GetString()!, out var d)
            ? d
            : throw new StartupException($"config {section}.{key}: invalid duration {v.GetRawText()}");
    }

    private static decimal Number(JsonElement config, string section, string key, decimal preset)
    {
        if (!TryFind(config, section, key, out var v))
        {
            return preset;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var n) && n >= 0
            ? n
            : throw new StartupException($"config {section}.{key}: expected a non-negative number, got {v.GetRawText()}");
    }

    private static bool Bool(JsonElement config, string section, string key, bool preset)
    {
        if (!TryFind(config, section, key, out var v))
        {
            return preset;
        }

        return v.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? v.GetBoolean()
            : throw new StartupException($"config {section}.{key}: expected true or false, got {v.GetRawText()}");
    }
}

/// <summary>The mTLS listener: server certificate and key, and the CA every client certificate must chain to.</summary>
public sealed record NodeTlsSettings(string Listener, string CertPath, string KeyPath, string CaCertPath);

/// <summary>A start-up error (config, flags, identity files) the node reports on stderr before exiting 1.</summary>
public sealed class StartupException(string message) : Exception(message);
