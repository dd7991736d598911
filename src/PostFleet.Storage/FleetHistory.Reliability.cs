using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PostFleet.Storage;

/// <summary>Schema step 2: runs, daemon events, user actions, and retention of everything.</summary>
public sealed partial class FleetHistory
{
    /// <summary>A run seen live for the first time (idempotent per service and instance).</summary>
    public void RecordRunStarted(string service, string instanceId, DateTimeOffset startedAt, uint? publishEpoch) =>
        Run(
            "INSERT OR IGNORE INTO runs (service, instance_id, started_at, publish_epoch) VALUES ($s, $i, $a, $e)",
            ("$s", service), ("$i", instanceId), ("$a", Text(startedAt)), ("$e", publishEpoch));

    /// <summary>Sets a run's phase time once (k2pow_at, read_at) — the first time it was seen in that phase.</summary>
    public void RecordRunPhase(string service, string instanceId, RunPhase phase, DateTimeOffset at)
    {
        var column = phase == RunPhase.K2Pow ? "k2pow_at" : "read_at";
        Run($"UPDATE runs SET {column} = $a WHERE service = $s AND instance_id = $i AND {column} IS NULL", ("$s", service), ("$i", instanceId), ("$a", Text(at)));
    }

    public void RecordRunDelivered(string service, string instanceId, DateTimeOffset at, string challengeHex) =>
        Run(
            "UPDATE runs SET delivered_at = $a, challenge = $c WHERE service = $s AND instance_id = $i AND delivered_at IS NULL",
            ("$s", service), ("$i", instanceId), ("$a", Text(at)), ("$c", challengeHex));

    /// <summary>How a run ended: exit code (null when unknown), an outcome word and the tail of its output.</summary>
    public void RecordRunEnded(string service, string instanceId, DateTimeOffset at, int? exitCode, string outcome, string? stderrTail) =>
        Run(
            "UPDATE runs SET ended_at = $a, exit_code = $x, outcome = $o, stderr_tail = $t WHERE service = $s AND instance_id = $i AND ended_at IS NULL",
            ("$s", service), ("$i", instanceId), ("$a", Text(at)), ("$x", exitCode), ("$o", outcome), ("$t", stderrTail));

    public void RecordDaemonEvent(DateTimeOffset at, string kind, string detail) =>
        Run("INSERT INTO daemon_events (at, kind, detail) VALUES ($a, $k, $d)", ("$a", Text(at)), ("$k", kind), ("$d", detail));

    public void RecordUserAction(DateTimeOffset at, string action, string detail) =>
        Run("INSERT INTO user_actions (at, action, detail) VALUES ($a, $k, $d)", ("$a", Text(at)), ("$k", action), ("$d", detail));

    public IReadOnlyList<HistoryRow> DaemonEvents(int limit = 200) =>
        Rows("SELECT at, '', kind, detail FROM daemon_events ORDER BY id DESC LIMIT $limit", limit);

    public IReadOnlyList<RunRow> Runs(string? service = null, int limit = 200)
    {
        using var command = NewestFirst(
            "SELECT service, instance_id, started_at, publish_epoch, k2pow_at, read_at, delivered_at, challenge, ended_at, exit_code, outcome, stderr_tail FROM runs",
            service,
            limit);
        using var reader = command.ExecuteReader();
        var rows = new List<RunRow>();
        while (reader.Read())
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : DateTimeOffset.Parse(reader.GetString(i), CultureInfo.InvariantCulture);
            rows.Add(new RunRow(
                reader.GetString(0),
                reader.GetString(1),
                At(2)!.Value,
                reader.IsDBNull(3) ? null : (uint)reader.GetInt64(3),
                At(4),
                At(5),
                At(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                At(8),
                reader.IsDBNull(9) ? null : reader.GetInt32(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return rows;
    }

    /// <summary>Deletes everything older than <paramref name="before"/> from every table; returns the rows removed.</summary>
    public int Prune(DateTimeOffset before)
    {
        var cutoff = Text(before);
        var removed = 0;
        foreach (var (table, column) in new[] { ("decisions", "at"), ("actions", "at"), ("node_events", "at"), ("deliveries", "at"), ("runs", "started_at"), ("daemon_events", "at"), ("user_actions", "at") })
        {
            removed += Run($"DELETE FROM {table} WHERE {column} < $cutoff", ("$cutoff", cutoff));
        }

        return removed;
    }

    private IReadOnlyList<HistoryRow> Rows(string sql, int limit)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var rows = new List<HistoryRow>();
        while (reader.Read())
        {
            rows.Add(new HistoryRow(DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }

    private int Run(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, value ?? DBNull.Value));
        }

        return command.ExecuteNonQuery();
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
