using Spectre.Console;

namespace PostFleet.Cli.Output;

/// <summary>
/// The daemon's and the demo's lines whole when they go to something other than a terminal (a log file, journald, a
/// pipe). Spectre lays markup out at the console's width, which for redirected output is 200 columns (Program: right
/// for tables); a start with its reason runs to 260 characters, so it came out as two lines and the second had no
/// time: under systemd, two journal entries, and a `grep` for the service found half of it.
/// </summary>
internal static class LogLines
{
    /// <summary>Wider than any line PostFleet prints; a terminal keeps its own width.</summary>
    public const int Width = 100_000;

    /// <returns><paramref name="console"/>, set not to wrap when it writes to something other than a terminal.</returns>
    public static IAnsiConsole Unwrapped(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (!console.Profile.Out.IsTerminal)
        {
            console.Profile.Width = Width;
        }

        return console;
    }
}
