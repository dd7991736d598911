using System.Text.RegularExpressions;
using PostFleet.Core.Timeline;

namespace PostFleet.Core.Configuration;

/// <summary>
/// Reads the node, post and schedule sections into their spec records. Each reader returns a complete record
/// even when values are bad (defaults stand in), so the rest of the file is still checked; the loader drops
/// the spec if any error was reported.
/// </summary>
internal static partial class SectionReaders
{
    public static NodeSpec ReadNode(YamlMap root, PathResolver paths)
    {
        var node = root.Map("node", ConfigKeys.Node);
        if (!node.IsPresent)
        {
            root.Error("node", "missing; add a node section with at least data-dir (the node's data folder, which holds identities/), or nodes: for several");
        }

        return ReadNodeFields(node, paths);
    }

    /// <summary>One node's listeners, data folder, PoET timings and TLS (the single <c>node:</c> or an entry of <c>nodes:</c>).</summary>
    public static NodeSpec ReadNodeFields(YamlMap node, PathResolver paths)
    {
        var poet = node.Map("poet", ConfigKeys.Poet);
        var timings = new PoetTimings(
            poet.Duration("phase-shift", allowZero: false) ?? ConfigDefaults.PhaseShift,
            poet.Duration("cycle-gap", allowZero: false) ?? ConfigDefaults.CycleGap,
            poet.Duration("grace-period") ?? ConfigDefaults.GracePeriod);

        var tls = ReadTls(node, paths);
        var postListener = Listener(node, "post-listener", ConfigDefaults.PostListener, node.IsPresent ? ConfigDefaults.PostListenerRequired : null);
        if (postListener.Scheme == "https" && tls is null)
        {
            node.Error("post-listener", "https needs node.tls (ca-cert, cert and key), which post-service uses for mTLS; add them or use http://");
        }

        var dataDir = node.String("data-dir", node.IsPresent ? "set it to the node's data folder, the one that holds identities/ (e.g. ../node_data)" : null);
        return new NodeSpec(
            postListener,
            Listener(node, "public-listener", ConfigDefaults.PublicListener),
            Listener(node, "private-listener", ConfigDefaults.PrivateListener),
            paths.Resolve(dataDir ?? "."),
            timings,
            tls);
    }

    public static PostSettings ReadPost(YamlMap root, PathResolver paths)
    {
        var post = root.Map("post", ConfigKeys.Post);
        var minUnits = (uint?)post.Integer("min-num-units", 1, uint.MaxValue) ?? ConfigDefaults.MinNumUnits;
        var maxUnits = (uint?)post.Integer("max-num-units", 1, uint.MaxValue) ?? ConfigDefaults.MaxNumUnits;
        if (maxUnits < minUnits)
        {
            post.Error("max-num-units", $"{maxUnits} is below min-num-units ({minUnits}); max-num-units must be ≥ min-num-units");
        }

        return new PostSettings(
            paths.ResolveBinary(post.String("service-binary") ?? ConfigDefaults.ServiceBinary),
            paths.ResolveBinary(post.String("postcli-binary") ?? ConfigDefaults.PostcliBinary),
            post.Unsigned("labels-per-unit", 1, ulong.MaxValue) ?? ConfigDefaults.LabelsPerUnit,
            ScryptN(post),
            (uint?)post.Integer("k1", 1, uint.MaxValue) ?? ConfigDefaults.K1,
            (uint?)post.Integer("k2", 1, uint.MaxValue) ?? ConfigDefaults.K2,
            PowDifficulty(post),
            post.OneOf("randomx-mode", ConfigKeys.RandomXModes) ?? ConfigDefaults.RandomXMode,
            (int?)post.Integer("threads", 0, 4096) ?? ConfigDefaults.Threads,
            Nonces(post),
            minUnits,
            maxUnits,
            MaxFileSize(post),
            (uint?)post.Integer("provider", 0, uint.MaxValue) ?? ConfigDefaults.Provider);
    }

    public static ScheduleLimits ReadSchedule(YamlMap root)
    {
        var schedule = root.Map("schedule", ConfigKeys.Schedule);
        var backoff = schedule.Map("restart-backoff", ConfigKeys.RestartBackoff);
        var initial = backoff.Duration("initial", allowZero: false) ?? ConfigDefaults.RestartBackoffInitial;
        var max = backoff.Duration("max", allowZero: false) ?? ConfigDefaults.RestartBackoffMax;
        if (max < initial)
        {
            backoff.Error("max", $"{Durations.Format(max)} is shorter than initial ({Durations.Format(initial)}); max must be ≥ initial");
        }

        var onShutdown = schedule.OneOf("on-shutdown", ConfigKeys.ShutdownPolicies) switch
        {
            "stop-all" => ShutdownPolicy.StopAll,
            _ => ConfigDefaults.OnShutdown,
        };

        return new ScheduleLimits(
            (int?)schedule.Integer("per-disk", 1, 1000) ?? ConfigDefaults.PerDisk,
            (int?)schedule.Integer("max-pow", 0, 1000) ?? ConfigDefaults.MaxPow,
            (int?)schedule.Integer("max-running", 0, 100_000) ?? ConfigDefaults.MaxRunning,
            schedule.Duration("stop-grace") ?? ConfigDefaults.StopGrace,
            schedule.Duration("no-progress-timeout") ?? ConfigDefaults.NoProgressTimeout,
            schedule.Duration("idle-stop-grace") ?? ConfigDefaults.IdleStopGrace,
            initial,
            max,
            onShutdown)
        {
            StartupGrace = schedule.Duration("startup-grace") ?? ConfigDefaults.StartupGrace,
            Resync = schedule.Duration("resync", allowZero: false) ?? ConfigDefaults.Resync,
            Mode = schedule.OneOf("mode", ConfigKeys.ScheduleModes) switch
            {
                "pipelined" => ScheduleMode.Pipelined,
                "exclusive" => ScheduleMode.Exclusive,
                _ => ConfigDefaults.Mode,
            },
            PipelineMargin = schedule.Duration("pipeline-margin") ?? ConfigDefaults.PipelineMargin,
            MaxPowRiskPercent = (int?)schedule.Integer("max-pow-risk", 0, 100) ?? ConfigDefaults.MaxPowRiskPercent,
        };
    }

    public static RuntimeKind ReadRuntime(YamlMap root) => root.OneOf("runtime", ConfigKeys.RuntimeKinds) switch
    {
        "docker" => RuntimeKind.Docker,
        "kubernetes" => RuntimeKind.Kubernetes,
        _ => ConfigDefaults.Runtime,
    };

    private static TlsSpec? ReadTls(YamlMap node, PathResolver paths)
    {
        var tls = node.Map("tls", ConfigKeys.Tls);
        if (!tls.IsPresent)
        {
            return null;
        }

        string[] files = ["ca-cert", "cert", "key"];
        var values = files.Select(f => tls.String(f)).ToArray();
        if (values.All(v => v is null))
        {
            node.Error("tls", "has none of ca-cert, cert, key; give all three PEM files for mTLS, or remove the tls section");
            return null;
        }

        for (var i = 0; i < files.Length; i++)
        {
            if (values[i] is null)
            {
                tls.Error(files[i], $"missing; mTLS needs all three of ca-cert, cert and key (post-service takes all or none), add {files[i]}");
            }
        }

        return values.Any(v => v is null)
            ? null
            : new TlsSpec(paths.Resolve(values[0]!), paths.Resolve(values[1]!), paths.Resolve(values[2]!), tls.String("domain"));
    }

    /// <param name="required">When set, a missing key is an error with this text; the fallback only keeps the spec whole.</param>
    private static Uri Listener(YamlMap node, string key, string fallback, string? required = null)
    {
        var text = node.String(key, required);
        if (text is not null)
        {
            if (Endpoints.TryParseListener(text, out var uri, out var problem))
            {
                return uri;
            }

            node.Error(key, problem);
        }

        Endpoints.TryParseListener(fallback, out var defaultUri, out _);
        return defaultUri;
    }

    private static uint ScryptN(YamlMap post)
    {
        var n = post.Integer("scrypt-n", 2, uint.MaxValue);
        if (n is { } value && (value & (value - 1)) != 0)
        {
            post.Error("scrypt-n", $"{value} is not a power of two; post-service -n needs one (≥ 2) equal to postcli's -scryptN, e.g. 8192");
        }

        return (uint?)n ?? ConfigDefaults.ScryptN;
    }

    private static string PowDifficulty(YamlMap post)
    {
        var text = post.String("pow-difficulty");
        if (text is null)
        {
            return ConfigDefaults.PowDifficulty;
        }

        if (!Hex64().IsMatch(text))
        {
            post.Error("pow-difficulty", $"'{text}' ({text.Length} characters) is not 64 hex characters (32 bytes, no 0x); the node's value, e.g. {ConfigDefaults.PowDifficulty}");
            return ConfigDefaults.PowDifficulty;
        }

        return text.ToLowerInvariant();
    }

    private static int Nonces(YamlMap post)
    {
        var nonces = post.Integer("nonces", 16, 4096);
        if (nonces is { } value && value % 16 != 0)
        {
            post.Error("nonces", $"{value} is not a multiple of 16; post-service tries nonces in groups of 16, e.g. {Math.Max(16, value / 16 * 16)}");
        }

        return (int?)nonces ?? ConfigDefaults.Nonces;
    }

    private static ulong? MaxFileSize(YamlMap post)
    {
        var size = post.Unsigned("max-file-size", 1024, ulong.MaxValue);
        if (size is { } value && value % 16 != 0)
        {
            post.Error("max-file-size", $"{value} is not a multiple of 16 (one label is 16 bytes), e.g. {value / 16 * 16}");
        }

        return size;
    }

    [GeneratedRegex("^[0-9A-Fa-f]{64}$")]
    private static partial Regex Hex64();
}
