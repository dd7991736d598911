using Spectre.Console;

namespace PostFleet.Cli.Output;

/// <summary>
/// How wide Spectre lays output out when it goes to something other than a terminal (a log file, journald, a pipe,
/// CI), where it cannot ask: 80 columns by default. Tables get <see cref="Tables"/>. The daemon's and the demo's lines
/// are never wrapped: a start with its reason runs to 260 characters, and wrapped it came out as two lines, the second
/// without its time (under systemd two journal entries, and a `grep` for the service found half of it).
/// A terminal keeps its own width.
/// </summary>
internal static class ConsoleWidth
{
    public const int Tables = 200;

    /// <summary>Wider than any line PostFleet prints.</summary>
    public const int Unwrapped = 100_000;

    /// <summary>For every command: tables and messages at <see cref="Tables"/> columns.</summary>
    public static void ForTables(IAnsiConsole console) => Set(console, Tables);

    /// <returns><paramref name="console"/>, set never to wrap a line (the daemon's and the demo's running output).</returns>
    public static IAnsiConsole ForLogLines(IAnsiConsole console)
    {
        Set(console, Unwrapped);
        return console;
    }

    private static void Set(IAnsiConsole console, int width)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (!console.Profile.Out.IsTerminal)
        {
            console.Profile.Width = width;
        }
    }
}
