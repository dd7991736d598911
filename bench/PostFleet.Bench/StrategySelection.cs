namespace PostFleet.Bench;

/// <summary>A strategy of the suite and the short name `bench schedule --strategies` selects it by.</summary>
public sealed record NamedStrategy(string Key, Func<IStrategy> Make);

/// <summary>
/// `--strategies`: which of the suite to run (large-2000 takes about an hour with all six; PostFleet's two modes
/// alone are a fraction of that). Names are the suite's keys, comma-separated or as several values; the suite's
/// order is kept whatever the order given. Checked before any topology runs.
/// </summary>
public static class StrategySelection
{
    public const string Flag = "--strategies";

    /// <summary>The suite's keys (<see cref="Runner.NamedSuite"/>), and those that only `--sensitivity` adds.</summary>
    public static readonly IReadOnlyList<string> Keys = ["demo-dag", "psm", "sm-psm", "all-at-once", "exclusive", "pipelined"];

    public static readonly IReadOnlyList<string> SensitivityKeys = ["k2pow-x0.8", "k2pow-x1.25", "exclusive-risk0", "pipelined-risk0", "exclusive-risk5", "pipelined-risk5"];

    /// <summary>
    /// The keys named by <paramref name="values"/> (null: the flag was not given, every strategy), or an error
    /// naming the flag, what is wrong and the known names.
    /// </summary>
    public static (IReadOnlySet<string>? Keys, string? Error) Parse(IReadOnlyList<string>? values, bool sensitivity)
    {
        if (values is null)
        {
            return (null, null);
        }

        var known = sensitivity ? [.. Keys, .. SensitivityKeys] : Keys;
        var names = values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (names.Count == 0)
        {
            return (null, $"{Flag}: no strategy named; known: {string.Join(", ", known)}");
        }

        if (names.FirstOrDefault(n => !known.Contains(n, StringComparer.Ordinal)) is { } unknown)
        {
            var hint = !sensitivity && SensitivityKeys.Contains(unknown, StringComparer.Ordinal) ? " (that one needs --sensitivity)" : "";
            return (null, $"{Flag} {unknown}: no such strategy{hint}; known: {string.Join(", ", known)}");
        }

        return (names.ToHashSet(StringComparer.Ordinal), null);
    }

    /// <summary>The part of <paramref name="suite"/> that <paramref name="keys"/> selects (all of it for null), in the suite's order.</summary>
    public static IReadOnlyList<NamedStrategy> Select(IReadOnlyList<NamedStrategy> suite, IReadOnlySet<string>? keys) =>
        keys is null ? suite : [.. suite.Where(s => keys.Contains(s.Key))];
}
