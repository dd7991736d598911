using System.Diagnostics;
using PostFleet.Core.Model;

namespace PostFleet.Runtime.Process;

/// <summary>
/// How a post-service is started so that it outlives the orchestrator: in its own session (no SIGINT from the
/// daemon's terminal, no SIGHUP when it closes), with stdin from /dev/null and stdout+stderr appended to the log
/// file by the child's own file descriptors, so logging does not depend on the daemon staying alive.
/// </summary>
internal static class DetachedLaunch
{
    /// <summary>
    /// The shell gets the log path as $0 and the program with its arguments as "$@", so nothing is ever quoted into a
    /// script. exec keeps the PID (as does setsid, which does not fork when its caller leads no process group, and
    /// a freshly started child never does): the PID we record is the post-service's own.
    /// </summary>
    internal const string Script = "exec \"$@\" </dev/null >>\"$0\" 2>&1";

    private const string Shell = "/bin/sh";

    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>coreutils nice(1): it execs the program, so the PID stays the program's, and every thread it starts inherits the niceness.</summary>
    internal static readonly string? Nice = new[] { "/usr/bin/nice", "/bin/nice" }.FirstOrDefault(File.Exists);

    /// <param name="nice">The niceness the program starts with (0: as the daemon's own); needs <see cref="Nice"/>.</param>
    public static ProcessStartInfo StartInfo(ServiceLaunch launch, string logPath, int nice = 0)
    {
        var info = new ProcessStartInfo(Setsid ?? Shell)
        {
            UseShellExecute = false,

            // Ours and writable (core dumps, relative paths); never the PoST data folder.
            WorkingDirectory = launch.LogDirectory,
        };
        if (Setsid is not null)
        {
            info.ArgumentList.Add(Shell);
        }

        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add(logPath);
        if (nice != 0 && Nice is not null)
        {
            // Set before the program runs a single instruction: a renice after the start would miss threads it had started.
            info.ArgumentList.Add(Nice);
            info.ArgumentList.Add("-n");
            info.ArgumentList.Add(nice.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        info.ArgumentList.Add(launch.Executable);
        foreach (var argument in launch.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
