namespace PostFleet.Storage;

/// <summary>
/// Whether the history file takes writes: the last failure (a full disk, a read-only file), since when, and what
/// it cost. Immutable, so any thread may read the writer's current one.
/// </summary>
public sealed record HistoryHealth
{
    public static readonly HistoryHealth Ok = new();

    /// <summary>Why the last write failed (SQLite's words, with the file); null while writes succeed.</summary>
    public string? Fault { get; init; }

    /// <summary>When the current fault began (the first failed write of it).</summary>
    public DateTimeOffset? FaultSince { get; init; }

    /// <summary>The last write that reached the file.</summary>
    public DateTimeOffset? LastWrite { get; init; }

    public long RowsWritten { get; init; }

    /// <summary>
    /// Rows that will never reach the file: the oldest of those kept during a fault beyond the writer's limit, and
    /// rows SQLite refused for their content.
    /// </summary>
    public long RowsLost { get; init; }

    /// <summary>Rows kept in memory during a fault, written as soon as the file takes writes again.</summary>
    public int RowsPending { get; init; }

    public bool Faulted => Fault is not null;
}
