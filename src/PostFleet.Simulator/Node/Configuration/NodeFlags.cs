namespace PostFleet.Simulator.Node;

/// <summary>
/// The node's command line, parsed like go-spacemesh's pflag set: `-d x`, `-d=x`, `--data-folder x`,
/// `--data-folder=x`; boolean flags take a value only after `=`.
/// </summary>
public static class NodeFlags
{
    private static readonly Dictionary<string, string> Shorthands = new(StringComparer.Ordinal)
    {
        ["d"] = "data-folder",
        ["c"] = "config",
    };

    private static readonly HashSet<string> ValueFlags = new(StringComparer.Ordinal)
    {
        "data-folder", "config", "preset", "genesis-time", "grpc-public-listener", "grpc-private-listener",
        "grpc-post-listener", "grpc-json-listener", "smeshing-coinbase", "time-scale", "sim-record", "sync-time", "sim-watch-pid",
        "grpc-tls-listener", "grpc-tls-cert", "grpc-tls-key", "gprc-tls-ca-cert",
    };

    /// <summary>
    /// go-spacemesh's CA flag is misspelled `gprc-tls-ca-cert` (its config key is `grpc-tls-ca-cert`); both
    /// spellings are accepted and stored under the misspelled canonical name.
    /// </summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["grpc-tls-ca-cert"] = "gprc-tls-ca-cert",
    };

    private static readonly HashSet<string> BoolFlags = new(StringComparer.Ordinal) { "smeshing-start", "help" };

    public const string Usage = """
        Usage: postfleet sim node [flags]
          -d, --data-folder DIR           data folder (identities/, sim-state.json); default <tmp>/spacemesh
          -c, --config FILE               JSON config (main, poet, post, smeshing, api sections)
              --preset NAME               accepted; the simulator always behaves as "standalone"
              --genesis-time RFC3339      default: start time truncated to the second
              --grpc-public-listener A    default 127.0.0.1:10092
              --grpc-private-listener A   default 127.0.0.1:10093
              --grpc-post-listener A      default 127.0.0.1:0 (random port, logged as "bound to address")
              --grpc-json-listener A      default off
              --grpc-tls-listener A       default off; mTLS listener serving post + postInfo
              --grpc-tls-cert FILE        the TLS listener's certificate (PEM)
              --grpc-tls-key FILE         its private key (PEM)
              --gprc-tls-ca-cert FILE     CA that client certificates must chain to (sic; config api.grpc-tls-ca-cert;
                                          --grpc-tls-ca-cert is accepted too)
              --smeshing-start[=BOOL]     default true (standalone preset)
              --smeshing-coinbase ADDR    default: the standalone preset's coinbase
              --time-scale N              sim only: network durations are divided by N (default 1)
              --sim-record FILE           sim only: JSON-lines record (default <data>/sim-record.jsonl)
              --sync-time DURATION        sim only: after each start the node is not synced for this long (Go
                                          duration, network time, divided by --time-scale; default 5s); every
                                          identity stays IDLE until then
              --sim-watch-pid PID         sim only: shut down as on SIGTERM once process PID is gone (a node started
                                          in a session of its own, as the demo's is, outlives its terminal otherwise)
        """;

    /// <summary>Returns canonical long name → value, or an error message (pflag wording).</summary>
    public static Dictionary<string, string> Parse(IReadOnlyList<string> args, out string? error)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg == "-" || arg == "--")
            {
                error = $"unexpected argument \"{arg}\"";
                return values;
            }

            var body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
            string? inline = null;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                inline = body[(eq + 1)..];
                body = body[..eq];
            }

            var name = Shorthands.GetValueOrDefault(body, body);
            name = Aliases.GetValueOrDefault(name, name);
            if (name == "h")
            {
                name = "help";
            }

            if (BoolFlags.Contains(name))
            {
                if (inline is not null && !bool.TryParse(inline, out _))
                {
                    error = $"invalid argument \"{inline}\" for \"--{name}\" flag: strconv.ParseBool: parsing \"{inline}\": invalid syntax";
                    return values;
                }

                values[name] = inline ?? "true";
                continue;
            }

            if (!ValueFlags.Contains(name))
            {
                error = arg.StartsWith("--", StringComparison.Ordinal) ? $"unknown flag: --{body}" : $"unknown shorthand flag: '{body}' in {arg}";
                return values;
            }

            if (inline is null)
            {
                if (i + 1 >= args.Count)
                {
                    error = $"flag needs an argument: {arg}";
                    return values;
                }

                inline = args[++i];
            }

            values[name] = inline;
        }

        return values;
    }
}
