using Microsoft.Extensions.Logging;

namespace PostFleet.Cli.Output;

/// <summary>Warnings and errors of the adapters on stderr; the fleet's story goes through ConsoleReporter.</summary>
internal static class ConsoleLogging
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Warning) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("POSTFLEET_LOG_LEVEL"), ignoreCase: true, out var level) ? level : minimum)
            // The web hosts' "Hosting failed to start" comes with a stack trace; the same exception reaches the command,
            // which says it in one line naming the setting (api.listen, k2pow.listen).
            .AddFilter(HostCategory, LogLevel.None)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                // The reconcile loop's scope: every line logged during a pass says which ("=> pass 12").
                o.IncludeScopes = true;
                o.TimestampFormat = "HH:mm:ss ";
            })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
