using System.Globalization;

namespace PostFleet.Core.Model;

/// <summary>
/// One record of a post-service log: env_logger's <c>[2025-05-20T12:00:00Z INFO  post_service::client] msg</c>
/// (second-precision UTC stamp, level padded to five, module path), with the lines that follow it unstamped (an
/// eyre report's <c>Caused by:</c> part) folded into <see cref="Text"/>. Rust's <c>Error: …</c> at exit has no stamp.
/// </summary>
public sealed record ServiceLogEntry(DateTimeOffset? At, string Text, string FirstLine)
{
    private const string ExitPrefix = "Error: ";

    public bool IsExit => At is null && FirstLine.StartsWith(ExitPrefix, StringComparison.Ordinal);

    public string ExitReason => Text[ExitPrefix.Length..];

    /// <summary>Lines oldest first, as in the file; lines before the first record are dropped.</summary>
    public static IReadOnlyList<ServiceLogEntry> Parse(IReadOnlyList<string> lines)
    {
        var entries = new List<ServiceLogEntry>();
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (Stamped(line) is var (at, message))
            {
                entries.Add(new ServiceLogEntry(at, message, line));
            }
            else if (line.StartsWith(ExitPrefix, StringComparison.Ordinal))
            {
                entries.Add(new ServiceLogEntry(null, line, line));
            }
            else if (entries.Count > 0)
            {
                var last = entries[^1];
                entries[^1] = last with { Text = last.Text + "\n" + line };
            }
        }

        return entries;
    }

    /// <summary>
    /// <c>[stamp LEVEL target] message</c>. A record whose stamp does not parse (another RUST_LOG format) keeps its
    /// message with no time: it still tells what happened, just not when.
    /// </summary>
    private static (DateTimeOffset? At, string Message)? Stamped(string line)
    {
        if (!line.StartsWith('['))
        {
            return null;
        }

        var close = line.IndexOf("] ", StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (close < 0 || space < 0 || space > close)
        {
            return null;
        }

        var stamp = line[1..space];
        DateTimeOffset? at = DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed) ? parsed : null;
        return (at, line[(close + 2)..]);
    }
}
