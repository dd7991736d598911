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
    /// and exactly the argv we launched (the launcher's shell has exec'd the program by then).
    /// </summary>
    public bool IsRunningAs(ProcessSnapshot? process, string? currentBootId) =>
        process is { HasEnded: false }
        && process.Pid == Pid
        && process.StartTimeTicks == StartTimeTicks
        && BootId == currentBootId
        && process.CommandLine.Count == Arguments.Count + 1
        && process.CommandLine[0] == Executable
        && process.CommandLine.Skip(1).SequenceEqual(Arguments, StringComparer.Ordinal);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunRecordJson : JsonSerializerContext;
