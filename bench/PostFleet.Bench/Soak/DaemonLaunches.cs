using System.Globalization;
using System.Text.RegularExpressions;

namespace PostFleet.Bench.Soak;

/// <summary>
/// When the daemon launched each post-service: its console's start lines name the run as <c>pid@starttime</c>, the
/// process's start in clock ticks since boot (/proc/PID/stat field 22), which with the boot time is the moment of
/// the fork, before the program has printed anything.
/// </summary>
internal static partial class DaemonLaunches
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    [GeneratedRegex(@"started \((\d+)@(\d+)\)")]
    private static partial Regex StartLine();

    public static IReadOnlyDictionary<int, DateTimeOffset> Read(string daemonLog)
    {
        var launches = new Dictionary<int, DateTimeOffset>();
        var boot = BootTime();
        if (boot is null || !File.Exists(daemonLog))
        {
            return launches;
        }

        using var stream = new FileStream(daemonLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        foreach (Match m in StartLine().Matches(reader.ReadToEnd()))
        {
            launches[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = boot.Value.AddSeconds(long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) / TicksPerSecond);
        }

        return launches;
    }

    private static DateTimeOffset? BootTime()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("btime ", StringComparison.Ordinal));
            return line is null ? null : DateTimeOffset.FromUnixTimeSeconds(long.Parse(line[6..], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
