using System.Globalization;
using System.Text.RegularExpressions;

namespace PostFleet.Core.Configuration;

/// <summary>
/// Go-style durations as go-spacemesh and the demo write them: <c>10m</c>, <c>90s</c>, <c>1h30m</c>,
/// <c>250ms</c>, <c>1.5h</c>, <c>0</c>. A bare number other than 0 is refused: "10" could mean seconds or minutes.
/// Days (<c>90d</c>) are accepted too, though Go has no such unit: retention periods are written in days.
/// </summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.Trim();
        if (s == "0")
        {
            return true;
        }

        var match = DurationPattern().Match(s);
        if (!match.Success)
        {
            return false;
        }

        double ticks = 0;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitMatch = PartPattern().Match(part.Value);
            var value = double.Parse(unitMatch.Groups["n"].Value, CultureInfo.InvariantCulture);
            ticks += value * unitMatch.Groups["u"].Value switch
            {
                "d" => TimeSpan.TicksPerDay,
                "h" => TimeSpan.TicksPerHour,
                "m" => TimeSpan.TicksPerMinute,
                "s" => TimeSpan.TicksPerSecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                _ => 0.01, // ns: a tick is 100 ns
            };
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)Math.Round(ticks));
        return true;
    }

    /// <summary>The shortest Go-style form, so `validate` prints what a user would write.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        var parts = new List<string>();
        if (duration.Days > 0 || duration.Hours > 0)
        {
            parts.Add($"{(int)duration.TotalHours}h");
        }

        if (duration.Minutes > 0)
        {
            parts.Add($"{duration.Minutes}m");
        }

        if (duration.Seconds > 0)
        {
            parts.Add($"{duration.Seconds}s");
        }

        if (duration.Milliseconds > 0)
        {
            parts.Add($"{duration.Milliseconds}ms");
        }

        return parts.Count > 0 ? string.Concat(parts) : $"{duration.Ticks * 100}ns";
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(d|h|ms|m|s|us|µs|ns))+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<u>d|h|ms|m|s|us|µs|ns)$")]
    private static partial Regex PartPattern();
}
