using System.Globalization;
using Microsoft.Data.Sqlite;
using PostFleet.Core.Planning;

namespace PostFleet.Storage;

/// <summary>Schema step 3: the learned proving estimates, one row per service (k2pow) and per disk (read rate).</summary>
public sealed partial class FleetHistory
{
    private const int EstimatesSchema = 3;
    private const string K2PowKind = "k2pow-seconds";
    private const string ReadRateKind = "read-bytes-per-second";

    /// <summary>Stores every estimate that differs from the stored one; returns how many rows changed.</summary>
    public int RecordEstimates(DateTimeOffset at, ProvingEstimates estimates)
    {
        var stored = Estimates();
        var changed = 0;
        using var transaction = _connection.BeginTransaction();
        foreach (var (service, k2pow) in estimates.K2Pow)
        {
            if (stored.K2PowOf(service) is not { } was || Math.Abs((was - k2pow).TotalMilliseconds) >= 1)
            {
                changed += Upsert(transaction, K2PowKind, service, k2pow.TotalSeconds, at);
            }
        }

        foreach (var (disk, rate) in estimates.DiskReadRate)
        {
            // Stored as REAL seconds and bytes/s: compare loosely, so a value read back is not "changed".
            if (rate > 0 && (stored.ReadRateOf(disk) is not { } was || Math.Abs(was - rate) > rate * 1e-9))
            {
                changed += Upsert(transaction, ReadRateKind, disk, rate, at);
            }
        }

        transaction.Commit();
        return changed;
    }

    /// <summary>The stored estimates (none in a new file).</summary>
    public ProvingEstimates Estimates() => ReadEstimates(_connection);

    /// <summary>
    /// The estimates in a history file, read-only: for `postfleet plan` next to a running daemon. A missing file
    /// or one from before schema step 3 has none; nothing is created or migrated.
    /// </summary>
    public static ProvingEstimates ReadEstimates(string path)
    {
        if (!File.Exists(path))
        {
            return ProvingEstimates.None;
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        return version < EstimatesSchema ? ProvingEstimates.None : ReadEstimates(connection);
    }

    private static ProvingEstimates ReadEstimates(SqliteConnection connection)
    {
        var k2pow = ProvingEstimates.None.K2Pow.ToBuilder();
        var rates = ProvingEstimates.None.DiskReadRate.ToBuilder();
        using var command = connection.CreateCommand();
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
        }

        return new ProvingEstimates(k2pow.ToImmutable(), rates.ToImmutable());
    }

    private int Upsert(SqliteTransaction transaction, string kind, string name, double value, DateTimeOffset at)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO estimates (kind, name, value, at) VALUES ($k, $n, $v, $a) ON CONFLICT (kind, name) DO UPDATE SET value = excluded.value, at = excluded.at";
        command.Parameters.AddWithValue("$k", kind);
        command.Parameters.AddWithValue("$n", name);
        command.Parameters.AddWithValue("$v", value);
        command.Parameters.AddWithValue("$a", Text(at));
        return command.ExecuteNonQuery();
    }
}
