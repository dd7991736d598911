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

    /// <summary>True for the launcher (setsid or the shell) before it has exec'd the program.</summary>
    public static bool IsLauncher(IReadOnlyList<string> argv) => argv.Contains(Script, StringComparer.Ordinal);

    public static ProcessStartInfo StartInfo(ServiceLaunch launch, string logPath)
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
        info.ArgumentList.Add(launch.Executable);
        foreach (var argument in launch.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
