using System.Globalization;
using System.Text.RegularExpressions;

namespace PostFleet.Simulator.Node;

/// <summary>Parses Go's time.Duration syntax ("1m", "7m", "30s", "1m30s", "1.5h", "250ms") as the node's config does.</summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")]
    private static partial Regex Part();

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.Trim();
        var sign = 1;
        if (s.StartsWith('-') || s.StartsWith('+'))
        {
            sign = s[0] == '-' ? -1 : 1;
            s = s[1..];
        }

        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0)
        {
            return false;
        }

        var consumed = 0;
        double ticks = 0;
        foreach (Match m in Part().Matches(s))
        {
            if (m.Index != consumed)
            {
                return false;
            }

            consumed += m.Length;
            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += value * m.Groups[2].Value switch
            {
                "ns" => 0.01,
                "us" or "µs" or "μs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerHour,
            };
        }

        if (consumed != s.Length)
        {
            return false;
        }

        duration = TimeSpan.FromTicks(sign * (long)Math.Round(ticks));
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d) ? d : throw new FormatException($"time: invalid duration \"{text}\"");
}
