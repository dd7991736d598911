using System.Globalization;

namespace PostFleet.Testing;

/// <summary>
/// A process's or thread's /proc/…/stat, its fields by their proc(5) numbers (3 state, 6 session, 14 utime, 15 stime,
/// 19 nice, 20 threads, 40 rt_priority, 41 policy). The fields are counted from the name's closing parenthesis:
/// the name may hold spaces (the loop's thread is "postfleet recon").
/// </summary>
public sealed class ProcStat
{
    private readonly string[] _afterName;

    private ProcStat(string text) => _afterName = text[(text.LastIndexOf(')') + 2)..].Split(' ');

    public static ProcStat Parse(string text) => new(text);

    /// <param name="which">A pid, "self", "thread-self" or "PID/task/TID".</param>
    /// <exception cref="IOException">No such process (any more).</exception>
    public static ProcStat Of(string which) => new(File.ReadAllText($"/proc/{which}/stat"));

    public static ProcStat Of(int pid) => Of(pid.ToString(CultureInfo.InvariantCulture));

    public string Field(int number) => _afterName[number - 3];

    public long Number(int number) => long.Parse(Field(number), CultureInfo.InvariantCulture);

    public char State => Field(3)[0];

    public int Nice => (int)Number(19);
}
