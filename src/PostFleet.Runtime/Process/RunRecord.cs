using System.Globalization;
using System.Text.Json.Serialization;

namespace PostFleet.Runtime.Process;

/// <summary>
/// One started post-service as persisted in <c>STATE/runs/SERVICE.json</c>: enough to find the process again after
/// a daemon restart and to prove that a live PID is still that process (start time, boot, argv), never just a PID.
/// </summary>
internal sealed record RunRecord(
    string Service,
    int Pid,
    ulong StartTimeTicks,
    string? BootId,
    string Executable,
    IReadOnlyList<string> Arguments,
    DateTimeOffset StartedAt,
    string LogPath)
{
    public const int FormatVersion = 1;

    /// <summary>Stored so a later format can tell old records apart.</summary>
    public int Version { get; init; } = FormatVersion;

    [JsonIgnore]
    public string InstanceId => $"{Pid.ToString(CultureInfo.InvariantCulture)}@{StartTimeTicks.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// True when <paramref name="process"/> is this run, still running: same boot, same start time, not a zombie,
    /// and an argv that ends with the arguments we launched. Boot id and start time already rule out a recycled PID;
    /// the argv check only guards against reading the wrong record, so a wrapper that execs the real binary with the
    /// same arguments (`exec nice post-service "$@"`, the demo's simulated binaries) is still recognised, and so is
    /// our own launcher (setsid, then the shell) before it has exec'd the program: it is the same process, on its
    /// way, and a start need not wait for the exec (on a loaded host it took a pass hundreds of milliseconds).
    /// An empty argv is still this run: the kernel shows none while an exec replaces the program (and while
    /// the process exits, until it is a zombie). Reporting it ended there freed its disk for a second reader while
    /// the exec'd post-service went on to read (seen in a 100-identity run).
    /// </summary>
    public bool IsRunningAs(ProcessSnapshot? process, string? currentBootId) =>
        process is { HasEnded: false }
        && process.Pid == Pid
        && process.StartTimeTicks == StartTimeTicks
        && BootId == currentBootId
        && (process.CommandLine.Count == 0 || EndsWithOurArguments(process.CommandLine));

    private bool EndsWithOurArguments(IReadOnlyList<string> argv) =>
        argv.Count > Arguments.Count
        && argv.TakeLast(Arguments.Count).SequenceEqual(Arguments, StringComparer.Ordinal);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunRecordJson : JsonSerializerContext;
