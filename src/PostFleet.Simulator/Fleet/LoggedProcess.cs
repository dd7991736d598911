using System.Diagnostics;

namespace PostFleet.Simulator.Fleet;

/// <summary>Starts a child `postfleet` (node, daemon) of a simulated fleet with its output appended to a log file.</summary>
public static class LoggedProcess
{
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>
    /// The shell redirects at the OS level, so the log keeps growing even if the parent stops reading or exits;
    /// `exec` keeps the child's PID the shell's. With <paramref name="ownSession"/> the program gets a session of its
    /// own (setsid(1) execs it when the shell leads no group, which a child of .NET never does, so the PID stays): a
    /// terminal's Ctrl-C and hang-up no longer reach it, and the kernel schedules it apart from its starter.
    /// </summary>
    public static Process Start(string executable, IReadOnlyList<string> arguments, string logPath, string? workingDirectory = null, bool ownSession = false)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(ownSession && Setsid is not null
            ? $"exec {Setsid} \"$0\" \"$@\" >>\"$POSTFLEET_CHILD_LOG\" 2>&1"
            : "exec \"$0\" \"$@\" >>\"$POSTFLEET_CHILD_LOG\" 2>&1");
        info.ArgumentList.Add(executable);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["POSTFLEET_CHILD_LOG"] = logPath;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
        process.StandardInput.Close();
        return process;
    }
}
