using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PostFleet.Storage;

/// <summary>
/// The daemon's history: every decision the planner changed its mind about (with the reason), every action it
/// took and how that went, and the node's events. One SQLite file, written by the single loop worker.
/// </summary>
public sealed partial class FleetHistory : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, string> _lastDecision = [];

    private FleetHistory(SqliteConnection connection)
    {
        _connection = connection;
    }

    public static FleetHistory Open(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
        Migrate(connection);
        return new FleetHistory(connection);
    }

    public int SchemaVersion => Convert.ToInt32(Scalar(_connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);

    /// <summary>Stores a decision only when it differs from the last one for that service, so the table stays readable.</summary>
    public bool RecordDecision(DateTimeOffset at, string service, string code, string message)
    {
        var key = code + "\n" + message;
        if (_lastDecision.TryGetValue(service, out var last) && last == key)
        {
            return false;
        }

        _lastDecision[service] = key;
        Insert("INSERT INTO decisions (at, service, code, message, pass) VALUES ($a, $b, $c, $d, $pass)", at, service, code, message);
        return true;
    }

    public void RecordAction(DateTimeOffset at, string service, string action, string reason, string outcome) =>
        Insert("INSERT INTO actions (at, service, action, reason, outcome, pass) VALUES ($a, $b, $c, $d, $e, $pass)", at, service, action, reason, outcome);

    public void RecordNodeEvent(DateTimeOffset at, string kind, string? smesher, string detail) =>
        Insert("INSERT INTO node_events (at, kind, smesher, detail, pass) VALUES ($a, $b, $c, $d, $pass)", at, kind, smesher, detail);

    /// <summary>A proof the node confirmed (postComplete without failure) for a service's identity.</summary>
    public void RecordDelivery(DateTimeOffset at, string service, uint publishEpoch, string challengeHex)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT INTO deliveries (at, service, publish_epoch, challenge, pass) VALUES ($at, $service, $epoch, $challenge, $pass)";
        command.Parameters.AddWithValue("$at", Text(at));
        command.Parameters.AddWithValue("$service", service);
        command.Parameters.AddWithValue("$epoch", publishEpoch);
        command.Parameters.AddWithValue("$challenge", challengeHex);
        command.Parameters.AddWithValue("$pass", (object?)CurrentPass ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    /// <summary>The highest publish epoch each service delivered a proof for.</summary>
    public IReadOnlyDictionary<string, uint> LastDeliveredEpochs()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT service, MAX(publish_epoch) FROM deliveries GROUP BY service";
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, uint>();
        while (reader.Read())
        {
            result[reader.GetString(0)] = (uint)reader.GetInt64(1);
        }

        return result;
    }

    public IReadOnlyList<HistoryRow> Decisions(string? service = null, int limit = 200) =>
        Query("SELECT at, service, code, message FROM decisions", service, limit);

    public IReadOnlyList<HistoryRow> Deliveries(string? service = null, int limit = 200) =>
        Query("SELECT at, service, 'proof delivered', 'publish epoch ' || publish_epoch || ', challenge ' || substr(challenge, 1, 16) FROM deliveries", service, limit);

    public IReadOnlyList<HistoryRow> Actions(string? service = null, int limit = 200) =>
        Query("SELECT at, service, action, reason || ' -> ' || outcome FROM actions", service, limit);

    private IReadOnlyList<HistoryRow> Query(string select, string? service, int limit)
    {
        using var command = NewestFirst(select, service, limit);
        using var reader = command.ExecuteReader();
        var rows = new List<HistoryRow>();
        while (reader.Read())
        {
            rows.Add(new HistoryRow(DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }

    /// <summary>The newest <paramref name="limit"/> rows of <paramref name="select"/>, of one service or all.</summary>
    private SqliteCommand NewestFirst(string select, string? service, int limit)
    {
        var command = _connection.CreateCommand();
        command.CommandText = select + (service is null ? "" : " WHERE service = $service") + " ORDER BY id DESC LIMIT $limit";
        if (service is not null)
        {
            command.Parameters.AddWithValue("$service", service);
        }

        command.Parameters.AddWithValue("$limit", limit);
        return command;
    }

    private void Insert(string sql, DateTimeOffset at, params string?[] values)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$a", Text(at));
        var names = new[] { "$b", "$c", "$d", "$e" };
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue(names[i], (object?)values[i] ?? DBNull.Value);
        }

        command.Parameters.AddWithValue("$pass", (object?)CurrentPass ?? DBNull.Value);

        command.ExecuteNonQuery();
    }

    private static string Text(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static void Migrate(SqliteConnection connection)
    {
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (version > Migrations.Steps.Length)
        {
            throw new InvalidOperationException($"history database schema version {version} is newer than this PostFleet knows ({Migrations.Steps.Length}); upgrade PostFleet or point state-dir elsewhere");
        }

        for (var step = version; step < Migrations.Steps.Length; step++)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, Migrations.Steps[step], transaction);
            Execute(connection, $"PRAGMA user_version = {step + 1}", transaction);
            transaction.Commit();
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose() => _connection.Dispose();
}

public sealed record HistoryRow(DateTimeOffset At, string Service, string What, string Detail);
