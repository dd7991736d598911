using System.Globalization;
using Microsoft.Data.Sqlite;
using PostFleet.Core.Model;

namespace PostFleet.Storage;

/// <summary>
/// The daemon's history: every decision the planner changed its mind about (with the reason), every action it
/// took and how that went, the node's events and the runs. One SQLite file in WAL mode.
/// </summary>
/// <remarks>
/// Thread-safety contract: this type is the file's only writer and is not thread-safe. One caller at a time uses
/// it, the reconcile loop (and, before the loop starts and after it ends, the daemon that owns the loop); its
/// connection is used by no one else. Record* calls only queue rows; <see cref="Flush"/> writes what is queued in
/// one transaction, so a reader sees a pass's rows all at once. Web requests and other threads never call this
/// type: they read through <see cref="Reader"/> (own connections) and may read <see cref="Health"/>.
/// A failed write (full disk, read-only file) never throws: the rows stay queued (up to a limit, beyond which the
/// oldest are counted lost), <see cref="Health"/> says why, and the next <see cref="Flush"/> tries again.
/// </remarks>
public sealed partial class FleetHistory : IDisposable
{
    /// <summary>Rows kept while the file takes no writes: some hours of a large fleet's passes, a few MiB.</summary>
    internal const int MaxPendingRows = 20_000;

    /// <summary>Node events whose rows are known (loaded at open, then each recorded): ten times the node's replay of 100.</summary>
    private const int NodeEventsKept = 1000;

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly WalCheckpointer _checkpointer;
    private Dictionary<(string Kind, string Name), double>? _storedEstimates;
    private readonly Queue<PendingRow> _pending = new();
    private readonly Dictionary<string, (string Code, string Message)> _lastDecision = new(StringComparer.Ordinal);
    private readonly Dictionary<string, uint> _lastDelivered;
    private readonly HashSet<(string Service, string Challenge)> _deliveredRounds;
    private readonly RecentSet<string> _nodeEvents;
    private volatile HistoryHealth _health = HistoryHealth.Ok;

    private FleetHistory(string path, SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
        _checkpointer = new WalCheckpointer(path, time);
        Reader = new HistoryReader(path);
        var snapshot = Snapshot();
        _lastDelivered = new Dictionary<string, uint>(snapshot.LastDeliveredEpochs());
        _deliveredRounds = [.. snapshot.DeliveredRounds()];
        _nodeEvents = new RecentSet<string>(NodeEventsKept, StringComparer.Ordinal);
        foreach (var key in snapshot.RecentNodeEventKeys(NodeEventsKept))
        {
            _nodeEvents.Add(key);
        }
    }

    public static FleetHistory Open(string path, TimeProvider? time = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        // The writer never checkpoints (WalCheckpointer does, on its own thread).
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 0;");
        Migrate(connection);
        return new FleetHistory(path, connection, time ?? TimeProvider.System);
    }

    /// <summary>Readers for any thread, each on its own read-only connection.</summary>
    public HistoryReader Reader { get; }

    /// <summary>Whether the file takes writes (any thread).</summary>
    public HistoryHealth Health => _health;

    public int SchemaVersion => Snapshot().SchemaVersion;

    /// <summary>The WAL's copies into the file so far (<see cref="WalCheckpointer"/>).</summary>
    internal int Checkpoints => _checkpointer.Runs;

    /// <summary>Stores a decision only when it differs from the last one for that service, so the table stays readable.</summary>
    public bool RecordDecision(DateTimeOffset at, string service, string code, string message)
    {
        // Compared as they are: the loop offers every service's decision every pass, and a key string made for each
        // was a thousand allocations a pass at 1,000 identities.
        if (_lastDecision.TryGetValue(service, out var last) && last.Code == code && last.Message == message)
        {
            return false;
        }

        _lastDecision[service] = (code, message);
        Queue("INSERT INTO decisions (at, service, code, message, pass) VALUES ($a, $s, $c, $m, $p)", ("$a", Text(at)), ("$s", service), ("$c", code), ("$m", message), ("$p", CurrentPass));
        return true;
    }

    public void RecordAction(DateTimeOffset at, string service, string action, string reason, string outcome) =>
        Queue("INSERT INTO actions (at, service, action, reason, outcome, pass) VALUES ($a, $s, $k, $r, $o, $p)", ("$a", Text(at)), ("$s", service), ("$k", action), ("$r", reason), ("$o", outcome), ("$p", CurrentPass));

    /// <summary>
    /// Stores a node event once: the node replays its last events on every subscribe, so a restarted daemon is sent
    /// again what an earlier one recorded. False when this event (time, kind, smesher, detail) is already stored.
    /// </summary>
    public bool RecordNodeEvent(DateTimeOffset at, string kind, string? smesher, string detail)
    {
        if (!_nodeEvents.Add(NodeEventKey(Text(at), kind, smesher, detail)))
        {
            return false;
        }

        Queue("INSERT INTO node_events (at, kind, smesher, detail, pass) VALUES ($a, $k, $s, $d, $p)", ("$a", Text(at)), ("$k", kind), ("$s", smesher), ("$d", detail), ("$p", CurrentPass));
        return true;
    }

    /// <summary>
    /// A proof the node confirmed (postComplete without failure) for a service's identity, stored once per round
    /// (service and challenge), across daemon restarts too; false when already stored.
    /// </summary>
    public bool RecordDelivery(DateTimeOffset at, string service, uint publishEpoch, string challengeHex)
    {
        if (!_deliveredRounds.Add((service, challengeHex)))
        {
            return false;
        }

        if (!_lastDelivered.TryGetValue(service, out var last) || publishEpoch > last)
        {
            _lastDelivered[service] = publishEpoch;
        }

        Queue("INSERT INTO deliveries (at, service, publish_epoch, challenge, pass) VALUES ($a, $s, $e, $c, $p)", ("$a", Text(at)), ("$s", service), ("$e", publishEpoch), ("$c", challengeHex), ("$p", CurrentPass));
        return true;
    }

    /// <summary>
    /// The highest publish epoch each service delivered a proof for: the file's at open plus every delivery
    /// recorded since, kept in memory so the view stays right while the file takes no writes.
    /// </summary>
    public IReadOnlyDictionary<string, uint> LastDeliveredEpochs() => new Dictionary<string, uint>(_lastDelivered);

    public IReadOnlyList<HistoryRow> Decisions(string? service = null, int limit = 200) => Written().Decisions(service, limit);

    public IReadOnlyList<HistoryRow> Deliveries(string? service = null, int limit = 200) => Written().Deliveries(service, limit);

    public IReadOnlyList<HistoryRow> Actions(string? service = null, int limit = 200) => Written().Actions(service, limit);

    /// <summary>
    /// Writes every queued row in one transaction. False when the file took none of them (they stay queued and
    /// <see cref="Health"/> says why); a row SQLite refuses for its content is dropped and counted lost instead.
    /// </summary>
    public bool Flush()
    {
        if (_pending.Count == 0)
        {
            return !_health.Faulted;
        }

        var now = _time.GetUtcNow();
        var refused = 0;
        try
        {
            using (var transaction = _connection.BeginTransaction())
            using (var statements = new PreparedRows(_connection, transaction))
            {
                foreach (var row in _pending)
                {
                    try
                    {
                        statements.Execute(row);
                    }
                    catch (SqliteException ex) when (IsRowError(ex))
                    {
                        refused++;
                    }
                }

                transaction.Commit();
            }

            var written = _pending.Count - refused;
            _pending.Clear();
            _health = _health with { Fault = null, FaultSince = null, LastWrite = now, RowsWritten = _health.RowsWritten + written, RowsLost = _health.RowsLost + refused, RowsPending = 0 };
            return true;
        }
        catch (SqliteException ex)
        {
            Failed(ex);
            return false;
        }
    }

    private void Failed(SqliteException ex) =>
        _health = _health with { Fault = $"{Reader.Path}: {ex.Message}", FaultSince = _health.FaultSince ?? _time.GetUtcNow(), RowsPending = _pending.Count };

    /// <summary>Writes (flushes first) and then reads on the writer's own connection: for the owner and tests.</summary>
    private HistorySnapshot Written()
    {
        Flush();
        return Snapshot();
    }

    private HistorySnapshot Snapshot() => new(_connection);

    /// <summary>
    /// SQLite's own disk-full: from now on the file may grow to <paramref name="pages"/> pages at most (never less
    /// than it has), and a write that needs more fails with SQLITE_FULL exactly as on a full disk. For tests.
    /// </summary>
    internal void LimitPages(long pages) => Execute(_connection, $"PRAGMA max_page_count = {pages}");

    internal long PageCount => (long)new SqliteCommand("PRAGMA page_count", _connection).ExecuteScalar()!;

    private void Queue(string sql, params (string Name, object? Value)[] parameters)
    {
        if (_pending.Count >= MaxPendingRows)
        {
            _pending.Dequeue();
            _health = _health with { RowsLost = _health.RowsLost + 1 };
        }

        _pending.Enqueue(new PendingRow(sql, parameters));
        if (_health.Faulted)
        {
            _health = _health with { RowsPending = _pending.Count };
        }
    }

    /// <summary>What is wrong with one row, not with the file: retrying it would block every row after it.</summary>
    private static bool IsRowError(SqliteException ex) => (ex.SqliteErrorCode & 0xff) is 18 or 19 or 20 or 25; // TOOBIG, CONSTRAINT, MISMATCH, RANGE

    /// <summary>A node event's identity: its time, kind, smesher and detail, as stored.</summary>
    internal static string NodeEventKey(string at, string kind, string? smesher, string detail) => string.Join('\n', at, kind, smesher ?? "", detail);

    private static string Text(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static void Migrate(SqliteConnection connection)
    {
        var version = new HistorySnapshot(connection).SchemaVersion;
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

    /// <summary>Writes what is still queued (if the file takes it) and closes the file and the readers' pool.</summary>
    public void Dispose()
    {
        Flush();
        _checkpointer.Dispose();
        _connection.Dispose();
        Reader.Release();
    }

    private sealed record PendingRow(string Sql, (string Name, object? Value)[] Parameters);

    /// <summary>
    /// One command per statement text for one transaction, prepared once and run with each row's values: a pass in
    /// an open gap writes hundreds of rows of a handful of kinds, and a command per row parsed its SQL every time.
    /// </summary>
    private sealed class PreparedRows(SqliteConnection connection, SqliteTransaction transaction) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public int Execute(PendingRow row)
        {
            // A statement's text names its parameters, so one text always comes with the same ones.
            if (!_commands.TryGetValue(row.Sql, out var command))
            {
                command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = row.Sql;
                _commands[row.Sql] = command;
            }

            foreach (var (name, value) in row.Parameters)
            {
                if (command.Parameters.Contains(name))
                {
                    command.Parameters[name].Value = value ?? DBNull.Value;
                }
                else
                {
                    command.Parameters.Add(new SqliteParameter(name, value ?? DBNull.Value));
                }
            }

            return command.ExecuteNonQuery();
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }
        }
    }
}
