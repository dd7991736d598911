namespace PostFleet.Core.Model;

/// <summary>
/// One run of a post-service as its runtime sees it. <see cref="InstanceId"/> is what makes the run unique
/// (for a process: PID and start time), so a recycled PID is never mistaken for our service.
/// </summary>
public sealed record RuntimeInstance(
    string ServiceName,
    string InstanceId,
    DateTimeOffset StartedAt,
    bool Running,
    int? ExitCode,
    string? LogPath);

/// <summary>Everything a runtime needs to start one post-service run.</summary>
public sealed record ServiceLaunch(
    string ServiceName,
    string Executable,
    IReadOnlyList<string> Arguments,
    string DataDir,
    string LogDirectory)
{
    /// <summary>
    /// Other files the arguments name (the mTLS CA, certificate and key). A container runtime makes each visible,
    /// read-only, at the same path, so the arguments mean the same inside as outside.
    /// </summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}
