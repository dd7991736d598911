namespace PostFleet.Init.Postcli;

/// <summary>How one postcli process ended. <see cref="ErrorLine"/> is its "cli: initialization error" line, if any.</summary>
public sealed record PostcliRunResult(int ExitCode, string? ErrorLine, bool Interrupted, IReadOnlyList<string> StderrTail, string LogPath);
