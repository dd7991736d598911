using System.Globalization;

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
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                return (Outcome.Help, null);
            }

            if (arg is "-V" or "--version")
            {
                return (Outcome.Version, null);
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            var flag = name switch
            {
                "-b" or "--bind-address" => "bind-address",
                "--cores" => "cores",
                "--randomx-mode" => "randomx-mode",
                "--randomx-large-pages" => "randomx-large-pages",
                _ => throw new PostService.ClapUsageException($"error: unexpected argument '{arg}' found\n\n{UsageLine}\n\nFor more information, try '--help'."),
            };
            if (!seen.Add(flag))
            {
                throw new PostService.ClapUsageException($"error: the argument '--{flag} <{flag.ToUpperInvariant().Replace('-', '_')}>' cannot be used multiple times\n\n{UsageLine}\n\nFor more information, try '--help'.");
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !(args[i + 1].StartsWith('-') && args[i + 1].Length > 1))
            {
                value = args[++i];
            }
            else
            {
                throw new PostService.ClapUsageException($"error: a value is required for '--{flag} <{flag.ToUpperInvariant().Replace('-', '_')}>' but none was supplied\n\nFor more information, try '--help'.");
            }

            options = Apply(options, flag, value);
        }

        return (Outcome.Run, options);
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

    private static K2PowServiceOptions Apply(K2PowServiceOptions options, string flag, string value)
    {
        var display = $"--{flag} <{flag.ToUpperInvariant().Replace('-', '_')}>";
        switch (flag)
        {
            case "bind-address":
                return options with { BindAddress = value };
            case "cores":
                return byte.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var cores)
                    ? options with { Cores = cores }
                    : throw Invalid(value, display, value.Length > 0 && value.All(char.IsAsciiDigit) ? "number too large to fit in target type" : "invalid digit found in string");
            case "randomx-mode":
                return value is "fast" or "light"
                    ? options with { RandomxMode = value }
                    : throw Invalid(value, display, "\n  [possible values: fast, light]");
            default:
                return value is "true" or "false"
                    ? options with { LargePages = value == "true" }
                    : throw Invalid(value, display, "provided string was not `true` or `false`");
        }
    }

    private static PostService.ClapUsageException Invalid(string value, string display, string why) =>
        new($"error: invalid value '{value}' for '{display}': {why}\n\nFor more information, try '--help'.");
}
