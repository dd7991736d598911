using System.Globalization;
using System.Text;

namespace PostFleet.Runtime.Process;

/// <summary>
/// What /proc says about one PID right now: its start time (field 22 of /proc/PID/stat, clock ticks since boot),
/// its state letter and its argv. PID plus start time names one process for the whole uptime of the machine.
/// </summary>
internal sealed record ProcessSnapshot(int Pid, ulong StartTimeTicks, char State, IReadOnlyList<string> CommandLine)
{
    /// <summary>Zombie or dead: the process has ended and only waits to be reaped.</summary>
    public bool HasEnded => State is 'Z' or 'X' or 'x';

    /// <summary>The process as it is now, or null when there is no such PID (or /proc is not readable).</summary>
    public static ProcessSnapshot? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var cmdline = File.ReadAllBytes($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return ParseStat(pid, stat, cmdline);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone between the two reads, never there, or not ours to look at: in every case not a process we run.
            return null;
        }
    }

    /// <summary>
    /// The command name (field 2) is in parentheses and may itself contain spaces and ')', so fields are counted
    /// from the last ')'. After it come field 3 (state) ... field 22 (starttime).
    /// </summary>
    internal static ProcessSnapshot? ParseStat(int pid, string stat, byte[] cmdline)
    {
        var end = stat.LastIndexOf(')');
        if (end < 0)
        {
            return null;
        }

        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int StateIndex = 0;
        const int StartTimeIndex = 22 - 3;
        if (fields.Length <= StartTimeIndex
            || fields[StateIndex].Length != 1
            || !ulong.TryParse(fields[StartTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime))
        {
            return null;
        }

        return new ProcessSnapshot(pid, startTime, fields[StateIndex][0], SplitArgv(cmdline));
    }

    /// <summary>/proc/PID/cmdline is argv with a NUL after each argument (empty for zombies and kernel threads).</summary>
    private static string[] SplitArgv(byte[] cmdline)
    {
        var text = Encoding.UTF8.GetString(cmdline);
        if (text.EndsWith('\0'))
        {
            text = text[..^1];
        }

        return text.Length == 0 ? [] : text.Split('\0');
    }
}
