using System.Globalization;
using Microsoft.Data.Sqlite;
using PostFleet.Core.Planning;
using PostFleet.Core.Runs;

namespace PostFleet.Storage;

/// <summary>
/// The history's queries over one connection. Inside <see cref="HistoryReader.Read{T}"/> every query sees the same
/// committed state (one read transaction), so rows of one pass are all there or all absent.
/// </summary>
public sealed class HistorySnapshot
{
    private const string K2PowKind = "k2pow-seconds";
    private const string ReadRateKind = "read-bytes-per-second";

    // The learned two-reader penalty per disk: a kind of its own in the same table (step 3's key is (kind, name)),
    // so it needs no schema step, and a daemon from before it skips the rows it does not know.
    private const string PenaltyKind = "two-reader-penalty";

    // A service's start-up (its start to its first /status answer) per disk, the same way; k2pow-seconds stored
    // before it was learned apart include the start-up, and with no start-up row the planner adds none to them.
    private const string StartupKind = "startup-seconds";

    private readonly SqliteConnection _connection;

    internal HistorySnapshot(SqliteConnection connection)
    {
        _connection = connection;
    }

    internal static string EstimateKind(bool k2pow) => k2pow ? K2PowKind : ReadRateKind;

    internal static string PenaltyEstimateKind => PenaltyKind;

    internal static string StartupEstimateKind => StartupKind;

    public int SchemaVersion => Convert.ToInt32(Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture);

    public IReadOnlyList<HistoryRow> Decisions(string? service = null, int limit = 200) =>
        Query("SELECT at, service, code, message FROM decisions", service, limit);

    public IReadOnlyList<HistoryRow> Deliveries(string? service = null, int limit = 200) =>
        Query("SELECT at, service, 'proof delivered', 'publish epoch ' || publish_epoch || ', challenge ' || substr(challenge, 1, 16) FROM deliveries", service, limit);

    public IReadOnlyList<HistoryRow> Actions(string? service = null, int limit = 200) =>
        Query("SELECT at, service, action, reason || ' -> ' || outcome FROM actions", service, limit);

    public IReadOnlyList<HistoryRow> NodeEvents(int limit = 200) =>
        Query("SELECT at, coalesce(smesher, ''), kind, detail FROM node_events", null, limit);

    public IReadOnlyList<HistoryRow> DaemonEvents(int limit = 200) =>
        Query("SELECT at, '', kind, detail FROM daemon_events", null, limit);

    /// <summary>Every round (service, challenge) a delivery is stored for.</summary>
    public IReadOnlyList<(string Service, string Challenge)> DeliveredRounds()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT service, challenge FROM deliveries";
        using var reader = command.ExecuteReader();
        var rounds = new List<(string, string)>();
        while (reader.Read())
        {
            rounds.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rounds;
    }

    /// <summary>The keys of the newest <paramref name="limit"/> node events, oldest first (see <see cref="FleetHistory.NodeEventKey"/>).</summary>
    internal IReadOnlyList<string> RecentNodeEventKeys(int limit)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT at, kind, smesher, detail FROM (SELECT id, at, kind, smesher, detail FROM node_events ORDER BY id DESC LIMIT $n) ORDER BY id";
        command.Parameters.AddWithValue("$n", limit);
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
        {
            keys.Add(FleetHistory.NodeEventKey(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3)));
        }

        return keys;
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

    /// <summary>The phases of the given runs of one service, in order, by instance id.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RunPhaseSpan>> RunPhases(string service, IReadOnlyCollection<string> instanceIds)
    {
        var result = new Dictionary<string, IReadOnlyList<RunPhaseSpan>>(StringComparer.Ordinal);
        if (instanceIds.Count == 0)
        {
            return result;
        }

        using var command = _connection.CreateCommand();
        var names = instanceIds.Select((_, i) => "$i" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        command.CommandText = $"SELECT instance_id, kind, nonce_start, started_at, ended_at, bytes, rate FROM run_phases WHERE service = $service AND instance_id IN ({string.Join(", ", names)}) ORDER BY instance_id, seq";
        command.Parameters.AddWithValue("$service", service);
        foreach (var (name, id) in names.Zip(instanceIds))
        {
            command.Parameters.AddWithValue(name, id);
        }

        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var ended = reader.IsDBNull(4) ? (DateTimeOffset?)null : DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture);
            var started = DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture);
            var phase = new RunPhaseSpan(
                reader.GetString(1) == "k2pow" ? RunPhaseKind.K2Pow : RunPhaseKind.Read,
                (ulong)reader.GetInt64(2),
                started,
                ended,
                ended ?? started,
                (ulong)reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetDouble(6));
            var id = reader.GetString(0);
            if (!result.TryGetValue(id, out var list))
            {
                result[id] = list = new List<RunPhaseSpan>();
            }

            ((List<RunPhaseSpan>)list).Add(phase);
        }

        return result;
    }

    /// <summary>Every stored estimate row as it is in the file, by kind and name (what a writer compares with).</summary>
    internal Dictionary<(string Kind, string Name), double> EstimateValues()
    {
        var values = new Dictionary<(string Kind, string Name), double>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT kind, name, value FROM estimates";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            values[(reader.GetString(0), reader.GetString(1))] = reader.GetDouble(2);
        }

        return values;
    }

    /// <summary>The stored estimates (none in a new file).</summary>
    public ProvingEstimates Estimates()
    {
        var k2pow = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var rates = new Dictionary<string, double>(StringComparer.Ordinal);
        var penalties = ProvingEstimates.None.TwoReaderPenalty.ToBuilder();
        var startups = ProvingEstimates.None.Startup.ToBuilder();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT kind, name, value FROM estimates";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (kind, name, value) = (reader.GetString(0), reader.GetString(1), reader.GetDouble(2));
            if (kind == K2PowKind && value >= 0)
            {
                k2pow[name] = TimeSpan.FromSeconds(value);
            }
            else if (kind == ReadRateKind && value > 0)
            {
                rates[name] = value;
            }
            else if (kind == PenaltyKind && value >= 0)
            {
                penalties[name] = value;
            }
            else if (kind == StartupKind && value >= 0)
            {
                startups[name] = value;
            }
        }

        return new ProvingEstimates(k2pow.AsReadOnly(), rates.AsReadOnly()) { TwoReaderPenalty = penalties.ToImmutable(), Startup = startups.ToImmutable() };
    }

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

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}

public sealed record HistoryRow(DateTimeOffset At, string Service, string What, string Detail);
