namespace PostFleet.Simulator.PostService;

/// <summary>A flag as one of the Rust programs' clap parsers names it: its long name and how errors display it.</summary>
internal readonly record struct ClapFlag(string Long, string Display, string? InlineValue);

/// <summary>
/// The argument walk the Rust programs' clap parsers share (post-service, k2pow-service): <c>-h</c>/<c>-V</c> end it,
/// each flag may be given once, a value comes inline or as the next argument (not one that looks like a flag), and
/// a value the flag refuses is reported with clap's wording (a <see cref="FormatException"/> says why; an
/// <see cref="OverflowException"/> is "number too large to fit in target type"). Errors are
/// <see cref="ClapUsageException"/>s, exit 2.
/// </summary>
internal static class ClapArguments
{
    public enum Request
    {
        Run,
        Help,
        Version,
    }

    /// <summary>Walks <paramref name="args"/>; <paramref name="apply"/> takes each flag's value; returns the flags seen.</summary>
    public static (Request Request, HashSet<string> Seen) Walk(IReadOnlyList<string> args, string usageLine, Func<string, ClapFlag> find, Action<string, string> apply)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                return (Request.Help, seen);
            }

            if (arg is "-V" or "--version")
            {
                return (Request.Version, seen);
            }

            var flag = find(arg);
            if (!seen.Add(flag.Long))
            {
                throw Usage(usageLine, $"the argument '{flag.Display}' cannot be used multiple times", withUsage: true);
            }

            string value;
            if (flag.InlineValue is { } inline)
            {
                value = inline;
            }
            else if (i + 1 < args.Count && !(args[i + 1].StartsWith('-') && args[i + 1].Length > 1))
            {
                value = args[++i];
            }
            else
            {
                throw Usage(usageLine, $"a value is required for '{flag.Display}' but none was supplied", withUsage: false);
            }

            try
            {
                apply(flag.Long, value);
            }
            catch (FormatException ex)
            {
                throw Usage(usageLine, $"invalid value '{value}' for '{flag.Display}': {ex.Message}", withUsage: false);
            }
            catch (OverflowException)
            {
                throw Usage(usageLine, $"invalid value '{value}' for '{flag.Display}': number too large to fit in target type", withUsage: false);
            }
        }

        return (Request.Run, seen);
    }

    public static ClapUsageException Usage(string usageLine, string message, bool withUsage) =>
        new($"error: {message}\n\n{(withUsage ? usageLine + "\n\n" : "")}For more information, try '--help'.");
}
