using System.Globalization;
using PostFleet.Simulator.PostService;

namespace PostFleet.Simulator.K2PowService;

/// <summary>
/// Parses k2pow-service arguments like clap does for its four flags (<c>--flag value</c>, <c>--flag=value</c>,
/// <c>-b value</c>); <c>--randomx-large-pages</c> takes a value because it is declared with a default value, not as
/// a switch. Errors are <see cref="PostService.ClapUsageException"/>s, exit 2.
/// </summary>
public static class K2PowServiceCommandLine
{
    public const string UsageLine = "Usage: k2pow-service [OPTIONS]";
    public const string Version = "k2pow-service 0.8.5";

    public enum Outcome
    {
        Run,
        Help,
        Version,
    }

    public static (Outcome Outcome, K2PowServiceOptions? Options) Parse(IReadOnlyList<string> args)
    {
        var options = new K2PowServiceOptions();
        var (request, _) = ClapArguments.Walk(args, UsageLine, Find, (flag, value) => options = Apply(options, flag, value));
        return request switch
        {
            ClapArguments.Request.Help => (Outcome.Help, null),
            ClapArguments.Request.Version => (Outcome.Version, null),
            _ => (Outcome.Run, options),
        };
    }

    private static ClapFlag Find(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        var name = equals > 0 ? arg[..equals] : arg;
        var flag = name switch
        {
            "-b" or "--bind-address" => "bind-address",
            "--cores" => "cores",
            "--randomx-mode" => "randomx-mode",
            "--randomx-large-pages" => "randomx-large-pages",
            _ => throw ClapArguments.Usage(UsageLine, $"unexpected argument '{arg}' found", withUsage: true),
        };
        return new(flag, $"--{flag} <{flag.ToUpperInvariant().Replace('-', '_')}>", equals > 0 ? arg[(equals + 1)..] : null);
    }

    public static string Help() =>
        $"""
        {UsageLine}

        Options:
          -b, --bind-address <BIND_ADDRESS>                the address to listen to http job requests on [default: 0.0.0.0:3000]
              --cores <CORES>                              the number of cores to use. `0` means use all cores [default: 0]
              --randomx-mode <RANDOMX_MODE>                [default: fast] [possible values: fast, light]
              --randomx-large-pages <RANDOMX_LARGE_PAGES>  allocate RandomX memory in large pages [default: false]
          -h, --help                                       Print help
          -V, --version                                    Print version
        """;

    private static K2PowServiceOptions Apply(K2PowServiceOptions options, string flag, string value) => flag switch
    {
        "bind-address" => options with { BindAddress = value },
        "cores" => byte.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var cores)
            ? options with { Cores = cores }
            : value.Length > 0 && value.All(char.IsAsciiDigit) ? throw new OverflowException() : throw new FormatException("invalid digit found in string"),
        "randomx-mode" => value is "fast" or "light"
            ? options with { RandomxMode = value }
            : throw new FormatException("\n  [possible values: fast, light]"),
        _ => value is "true" or "false"
            ? options with { LargePages = value == "true" }
            : throw new FormatException("provided string was not `true` or `false`"),
    };
}
