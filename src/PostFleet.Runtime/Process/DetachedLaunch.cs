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

    /// <summary>
    /// <see cref="Script"/> for a niced program, with the niceness of its session's autogroup as $1. setsid puts the
    /// program in a session of its own, and where the kernel groups the scheduler by session (autogroup, on by default
    /// in most distributions: /proc/sys/kernel/sched_autogroup_enabled) a thread's niceness only weighs against
    /// threads of its own session: a hundred niced post-services, each in its own autogroup at the group's niceness
    /// 0, took the CPU as a hundred programs at the daemon's priority (measured at 1,000 identities: the loop's threads
    /// waited 20-30 times longer for a core than they ran). So the group is niced too (sched(7), "The autogroup
    /// feature"), before the program runs. A kernel without autogroup has no such file and the loop ends at once;
    /// without CAP_SYS_ADMIN the kernel takes such a write at most once in 100 ms across the machine (EAGAIN), so
    /// starts at the same moment wait their turn, up to a second, then start anyway.
    /// </summary>
    internal const string NicedScript =
        "g=$1; shift; i=0; " +
        "until [ ! -e /proc/self/autogroup ] || echo \"$g\" 2>/dev/null >/proc/self/autogroup || [ $i -ge 10 ]; do i=$((i+1)); sleep 0.1; done; " +
        Script;

    private const string Shell = "/bin/sh";

    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>coreutils nice(1): it execs the program, so the PID stays the program's, and every thread it starts inherits the niceness.</summary>
    internal static readonly string? Nice = new[] { "/usr/bin/nice", "/bin/nice" }.FirstOrDefault(File.Exists);

    /// <summary>The niceness of this process's own autogroup (0 where the kernel has none): a niced program's group is set this much above it.</summary>
    internal static readonly int OwnGroupNice = ReadGroupNice("/proc/self/autogroup");

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

        // Only a session of its own has a group of its own: without setsid the group is the daemon's.
        var niced = nice != 0 ? Nice : null;
        var groupNiced = niced is not null && Setsid is not null;
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(groupNiced ? NicedScript : Script);
        info.ArgumentList.Add(logPath);
        if (groupNiced)
        {
            info.ArgumentList.Add(Math.Min(OwnGroupNice + nice, 19).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (niced is not null)
        {
            // Set before the program runs a single instruction: a renice after the start would miss threads it had started.
            info.ArgumentList.Add(niced);
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

    /// <summary>The "nice N" of an autogroup file ("/autogroup-25 nice 0"); 0 when there is none or it says otherwise.</summary>
    internal static int ReadGroupNice(string path)
    {
        try
        {
            var words = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var at = Array.IndexOf(words, "nice");
            return at >= 0 && at + 1 < words.Length && int.TryParse(words[at + 1], System.Globalization.CultureInfo.InvariantCulture, out var nice) ? nice : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
