using System.Globalization;

namespace PostFleet.Runtime.Docker;

/// <summary>Names a run's log file: one per run, so a restart never overwrites the log of the run that failed.</summary>
public static class RunLogs
{
    public static string PathFor(string logDirectory, string serviceName, DateTimeOffset startedAt) =>
        Path.Combine(logDirectory, $"{serviceName}-{startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.log");
}
