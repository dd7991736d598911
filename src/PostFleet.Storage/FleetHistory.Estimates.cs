using Microsoft.Data.Sqlite;
using PostFleet.Core.Planning;

namespace PostFleet.Storage;

/// <summary>
/// Schema step 3: the learned proving estimates, one row per service (k2pow) and per disk (read rate and, once seen
/// with one and with two readers, two-reader penalty).
/// </summary>
public sealed partial class FleetHistory
{
    private const int EstimatesSchema = 3;

    /// <summary>Queues every estimate that differs from the stored one; returns how many rows that is.</summary>
    public int RecordEstimates(DateTimeOffset at, ProvingEstimates estimates)
    {
        var stored = Estimates();
        var changed = 0;
        foreach (var (service, k2pow) in estimates.K2Pow)
        {
            if (stored.K2PowOf(service) is not { } was || Math.Abs((was - k2pow).TotalMilliseconds) >= 1)
            {
                changed += Upsert(HistorySnapshot.EstimateKind(k2pow: true), service, k2pow.TotalSeconds, at);
            }
        }

        foreach (var (disk, rate) in estimates.DiskReadRate)
        {
            // Stored as REAL seconds and bytes/s: compare loosely, so a value read back is not "changed".
            if (rate > 0 && (stored.ReadRateOf(disk) is not { } was || Math.Abs(was - rate) > rate * 1e-9))
            {
                changed += Upsert(HistorySnapshot.EstimateKind(k2pow: false), disk, rate, at);
            }
        }

        foreach (var (disk, penalty) in estimates.TwoReaderPenalty)
        {
            if (!stored.TwoReaderPenalty.TryGetValue(disk, out var was) || Math.Abs(was - penalty) > 1e-9)
            {
                changed += Upsert(HistorySnapshot.PenaltyEstimateKind, disk, penalty, at);
            }
        }

        return changed;
    }

    /// <summary>The stored estimates (none in a new file), after writing what is queued.</summary>
    public ProvingEstimates Estimates() => Written().Estimates();

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
        var snapshot = new HistorySnapshot(connection);
        return snapshot.SchemaVersion < EstimatesSchema ? ProvingEstimates.None : snapshot.Estimates();
    }

    private int Upsert(string kind, string name, double value, DateTimeOffset at)
    {
        Queue(
            "INSERT INTO estimates (kind, name, value, at) VALUES ($k, $n, $v, $a) ON CONFLICT (kind, name) DO UPDATE SET value = excluded.value, at = excluded.at",
            ("$k", kind), ("$n", name), ("$v", value), ("$a", Text(at)));
        return 1;
    }
}
