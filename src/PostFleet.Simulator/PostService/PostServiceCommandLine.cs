using System.Globalization;
using System.Net;
using System.Numerics;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// Parses post-service arguments like clap does: <c>--flag value</c>, <c>--flag=value</c>, <c>-d value</c>,
/// <c>-dvalue</c>, <c>-d=value</c>. Errors are <see cref="ClapUsageException"/>s with clap's wording.
/// </summary>
public static class PostServiceCommandLine
{
    public const string UsageLine = "Usage: post-service [OPTIONS] --dir <DIR> --address <ADDRESS>";
    public const string Version = "service 0.8.5";

    private sealed record Flag(string Long, char? Short, string ValueName, Func<PostServiceOptions, string, PostServiceOptions> Apply)
    {
        public string Display => $"--{Long} <{ValueName}>";
    }

    private static readonly Flag[] Flags =
    [
        new("dir", 'd', "DIR", (o, v) => o with { Dir = v }),
        new("address", 'a', "ADDRESS", (o, v) => o with { Address = v }),
        new("reconnect-interval-s", null, "RECONNECT_INTERVAL_S", (o, v) => o with { ReconnectIntervalSeconds = Number<ulong>(v) }),
        new("max-retries", null, "MAX_RETRIES", (o, v) => o with { MaxRetries = Number<ulong>(v) }),
        new("watch-pid", null, "WATCH_PID", (o, v) => o with { WatchPid = Number<int>(v) }),
        new("operator-address", null, "OPERATOR_ADDRESS", (o, v) => o with { OperatorAddress = SocketAddress(v) }),
        new("min-num-units", null, "MIN_NUM_UNITS", (o, v) => o with { MinNumUnits = Number<uint>(v) }),
        new("max-num-units", null, "MAX_NUM_UNITS", (o, v) => o with { MaxNumUnits = Number<uint>(v) }),
        new("k1", null, "K1", (o, v) => o with { K1 = Number<uint>(v) }),
        new("k2", null, "K2", (o, v) => o with { K2 = Number<uint>(v) }),
        new("pow-difficulty", null, "POW_DIFFICULTY", (o, v) => o with { PowDifficulty = Difficulty(v) }),
        new("n", 'n', "N", (o, v) => o with { ScryptN = Number<ulong>(v) }),
        new("r", 'r', "R", (o, v) => o with { ScryptR = Number<uint>(v) }),
        new("p", 'p', "P", (o, v) => o with { ScryptP = Number<uint>(v) }),
        new("threads", null, "THREADS", (o, v) => o with { Threads = Number<int>(v) }),
        new("pinned-cores", null, "PINNED_CORES", (o, v) => o with { PinnedCores = [.. v.Split(',').Select(Number<int>)] }),
        new("nonces", null, "NONCES", (o, v) => o with { Nonces = Nonces(v) }),
        new("randomx-mode", null, "RANDOMX_MODE", (o, v) => o with { RandomxMode = RandomxMode(v) }),
        new("ca-cert", null, "CA_CERT", (o, v) => o with { CaCert = v }),
        new("cert", null, "CERT", (o, v) => o with { Cert = v }),
        new("key", null, "KEY", (o, v) => o with { Key = v }),
        new("domain", null, "DOMAIN", (o, v) => o with { Domain = v }),
        new("remote-k2pow", null, "REMOTE_K2POW", (o, v) => o with { RemoteK2pow = v }),
        new("remote-k2pow-parallelism", null, "REMOTE_K2POW_PARALLELISM", (o, v) => o with { RemoteK2powParallelism = Number<ulong>(v) }),
        new("remote-k2pow-backoff", null, "REMOTE_K2POW_BACKOFF", (o, v) => o with { RemoteK2powBackoffSeconds = Number<ulong>(v) }),
        new("labels-per-unit", null, "LABELS_PER_UNIT", (o, v) => o with { LabelsPerUnitGiven = Number<ulong>(v) == Number<ulong>(v) }),
    ];

    public enum Outcome
    {
        Run,
        Help,
        Version,
    }

    public static (Outcome Outcome, PostServiceOptions? Options) Parse(IReadOnlyList<string> args)
    {
        var options = new PostServiceOptions { Dir = "", Address = "" };
        var (request, seen) = ClapArguments.Walk(args, UsageLine, Find, (flag, value) => options = Flags.First(f => f.Long == flag).Apply(options, value));
        if (request != ClapArguments.Request.Run)
        {
            return (request == ClapArguments.Request.Help ? Outcome.Help : Outcome.Version, null);
        }

        CheckRelations(seen);
        return (Outcome.Run, options);
    }

    public static string Help() =>
        $"""
        Post Service

        {UsageLine}

        Options:
          -d, --dir <DIR>                    directory of POST data
          -a, --address <ADDRESS>            address to connect to
              --reconnect-interval-s <S>     time to wait before reconnecting to the node [default: 5]
              --max-retries <MAX_RETRIES>    max number of retries for connecting to the node
              --watch-pid <WATCH_PID>        watch PID and exit if it dies
              --operator-address <ADDR>      address to listen on for operator service
              --min-num-units <N>            [default: 4]
              --max-num-units <N>            [default: 4294967295]
              --k1 <K1>                      [default: 26]
              --k2 <K2>                      [default: 37]
              --pow-difficulty <HEX>         [default: 000dfb23b0979b4b000000000000000000000000000000000000000000000000]
          -n <N>                             scrypt N [default: 8192]
          -r <R>                             scrypt r [default: 1]
          -p <P>                             scrypt p [default: 1]
              --threads <THREADS>            [default: 1]
              --pinned-cores <PINNED_CORES>
              --nonces <NONCES>              [default: 128]
              --randomx-mode <MODE>          [default: fast] [possible values: fast, light]
              --ca-cert <CA_CERT>
              --cert <CERT>
              --key <KEY>
              --domain <DOMAIN>
              --remote-k2pow <URL>
              --remote-k2pow-parallelism <N> [default: 5]
              --remote-k2pow-backoff <S>     [default: 5]
          -h, --help                         Print help
          -V, --version                      Print version
        """;

    private static ClapFlag Find(string arg)
    {
        if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
        {
            var body = arg[2..];
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? body : body[..eq];
            // The scrypt flags have only a short form: there is no --n.
            var flag = Flags.FirstOrDefault(f => f.Long == name && f.Long is not ("n" or "r" or "p"));
            if (flag is not null)
            {
                return new(flag.Long, flag.Display, eq < 0 ? null : body[(eq + 1)..]);
            }
        }
        else if (arg.Length >= 2 && arg[0] == '-' && arg[1] != '-')
        {
            var flag = Flags.FirstOrDefault(f => f.Short == arg[1]);
            if (flag is not null)
            {
                var rest = arg[2..];
                return new(flag.Long, flag.Display, rest.Length == 0 ? null : rest.TrimStart('='));
            }
        }

        throw Usage($"unexpected argument '{arg}' found", withUsage: true);
    }

    private static void CheckRelations(HashSet<string> seen)
    {
        var missing = new[] { "--dir <DIR>", "--address <ADDRESS>" }
            .Where(display => !seen.Contains(display[2..display.IndexOf(' ', StringComparison.Ordinal)]))
            .ToList();
        string[] tls = ["ca-cert", "cert", "key"];
        if (tls.Any(seen.Contains))
        {
            missing.AddRange(tls.Where(t => !seen.Contains(t)).Select(t => Flags.Single(f => f.Long == t).Display));
        }

        if (missing.Count > 0)
        {
            throw Usage("the following required arguments were not provided:\n" + string.Join("\n", missing.Select(m => "  " + m)), withUsage: true);
        }

        if (seen.Contains("pinned-cores") && seen.Contains("threads"))
        {
            throw Usage("the argument '--pinned-cores <PINNED_CORES>' cannot be used with '--threads <THREADS>'", withUsage: true);
        }
    }

    private static ClapUsageException Usage(string message, bool withUsage) => ClapArguments.Usage(UsageLine, message, withUsage);

    private static T Number<T>(string value)
        where T : IBinaryInteger<T>
    {
        if (value.Length == 0)
        {
            throw new FormatException("cannot parse integer from empty string");
        }

        return T.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : value.All(char.IsAsciiDigit) ? throw new OverflowException() : throw new FormatException("invalid digit found in string");
    }

    private static int Nonces(string value)
    {
        var nonces = Number<int>(value);
        if (nonces % 16 != 0)
        {
            throw new FormatException("value must be a multiple of 16");
        }

        return nonces <= 4096 ? nonces : throw new FormatException("value must be <= 4096 (256 nonce groups)");
    }

    private static byte[] Difficulty(string value)
    {
        if (value.Length != 64)
        {
            throw new FormatException("Invalid string length");
        }

        try
        {
            return Convert.FromHexString(value);
        }
        catch (FormatException)
        {
            throw new FormatException("Invalid character");
        }
    }

    private static string RandomxMode(string value) => value switch
    {
        "fast" => "Fast",
        "light" => "Light",
        _ => throw new FormatException("[possible values: fast, light]"),
    };

    /// <summary>Rust's SocketAddr: an IP literal and a port, never a host name.</summary>
    private static IPEndPoint SocketAddress(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new FormatException("invalid socket address syntax");
        }

        var host = value[..colon];
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (bracketed)
        {
            host = host[1..^1];
        }

        if (!IPAddress.TryParse(host, out var ip) || ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 != bracketed || host.Contains('%', StringComparison.Ordinal) || (!bracketed && host.Count(c => c == '.') != 3))
        {
            throw new FormatException("invalid socket address syntax");
        }

        return new IPEndPoint(ip, port);
    }
}
