using Microsoft.Data.Sqlite;

namespace PostFleet.Storage;

/// <summary>Schema step 2: runs, daemon events, user actions, and retention of everything.</summary>
public sealed partial class FleetHistory
{
    /// <summary>A run seen live for the first time (idempotent per service and instance).</summary>
    public void RecordRunStarted(string service, string instanceId, DateTimeOffset startedAt, uint? publishEpoch) =>
        Queue(
            "INSERT OR IGNORE INTO runs (service, instance_id, started_at, publish_epoch) VALUES ($s, $i, $a, $e)",
            ("$s", service), ("$i", instanceId), ("$a", Text(startedAt)), ("$e", publishEpoch));

    /// <summary>Sets a run's phase time once (k2pow_at, read_at) — the first time it was seen in that phase.</summary>
    public void RecordRunPhase(string service, string instanceId, RunPhase phase, DateTimeOffset at)
    {
        var column = phase == RunPhase.K2Pow ? "k2pow_at" : "read_at";
        Queue($"UPDATE runs SET {column} = $a WHERE service = $s AND instance_id = $i AND {column} IS NULL", ("$s", service), ("$i", instanceId), ("$a", Text(at)));
    }

    public void RecordRunDelivered(string service, string instanceId, DateTimeOffset at, string challengeHex) =>
        Queue(
            "UPDATE runs SET delivered_at = $a, challenge = $c WHERE service = $s AND instance_id = $i AND delivered_at IS NULL",
            ("$s", service), ("$i", instanceId), ("$a", Text(at)), ("$c", challengeHex));

    /// <summary>How a run ended: exit code (null when unknown), an outcome word and the tail of its output.</summary>
    public void RecordRunEnded(string service, string instanceId, DateTimeOffset at, int? exitCode, string outcome, string? stderrTail) =>
        Queue(
            "UPDATE runs SET ended_at = $a, exit_code = $x, outcome = $o, stderr_tail = $t WHERE service = $s AND instance_id = $i AND ended_at IS NULL",
            ("$s", service), ("$i", instanceId), ("$a", Text(at)), ("$x", exitCode), ("$o", outcome), ("$t", stderrTail));

    public void RecordDaemonEvent(DateTimeOffset at, string kind, string detail) =>
        Queue("INSERT INTO daemon_events (at, kind, detail) VALUES ($a, $k, $d)", ("$a", Text(at)), ("$k", kind), ("$d", detail));

    public void RecordUserAction(DateTimeOffset at, string action, string detail) =>
        Queue("INSERT INTO user_actions (at, action, detail) VALUES ($a, $k, $d)", ("$a", Text(at)), ("$k", action), ("$d", detail));

    public IReadOnlyList<HistoryRow> DaemonEvents(int limit = 200) => Written().DaemonEvents(limit);

    public IReadOnlyList<RunRow> Runs(string? service = null, int limit = 200) => Written().Runs(service, limit);

    /// <summary>
    /// Writes what is queued, then deletes everything older than <paramref name="before"/> from every table in one
    /// transaction; returns the rows removed (0 when the file takes no writes: the next prune catches up).
    /// </summary>
    public int Prune(DateTimeOffset before)
    {
        if (!Flush())
        {
            return 0;
        }

        try
        {
            using var transaction = _connection.BeginTransaction();
            using var statements = new PreparedRows(_connection, transaction);
            var removed = 0;
            foreach (var (table, column) in new[] { ("decisions", "at"), ("actions", "at"), ("node_events", "at"), ("deliveries", "at"), ("runs", "started_at"), ("run_phases", "started_at"), ("daemon_events", "at"), ("user_actions", "at") })
            {
                removed += statements.Execute(new PendingRow($"DELETE FROM {table} WHERE {column} < $cutoff", [("$cutoff", Text(before))]));
            }

            transaction.Commit();
            return removed;
        }
        catch (SqliteException ex)
        {
            Failed(ex);
            return 0;
        }
    }
}

public enum RunPhase
{
    K2Pow,
    Read,
}

/// <summary>One post-service run as the history keeps it.</summary>
public sealed record RunRow(
    string Service,
    string InstanceId,
    DateTimeOffset StartedAt,
    uint? PublishEpoch,
    DateTimeOffset? K2PowAt,
    DateTimeOffset? ReadAt,
    DateTimeOffset? DeliveredAt,
    string? Challenge,
    DateTimeOffset? EndedAt,
    int? ExitCode,
    string? Outcome,
    string? StderrTail);
