using Microsoft.Data.Sqlite;
using PostFleet.Core.Planning;

namespace PostFleet.Storage;

/// <summary>
/// Schema step 3: the learned proving estimates, one row per service (k2pow) and per disk (read rate, start-up and,
/// once seen with one and with two readers, two-reader penalty).
/// </summary>
public sealed partial class FleetHistory
{
    private const int EstimatesSchema = 3;

    /// <summary>
    /// Queues every estimate that differs from the stored one; returns how many rows that is. The stored values are
    /// read from the file once and then kept as written (this is the file's only writer): in an open gap at 1,000
    /// identities something is learned in most passes, and reading every estimate back each time cost the pass a
    /// flush and a query of a thousand rows. A row the file never took (its fault lost queued rows) is written again
    /// only when its value next changes.
    /// </summary>
    public int RecordEstimates(DateTimeOffset at, ProvingEstimates estimates)
    {
        var stored = _storedEstimates ??= Written().EstimateValues();
        var changed = 0;
        foreach (var (service, k2pow) in estimates.K2Pow)
        {
            changed += UpsertChanged(stored, HistorySnapshot.EstimateKind(k2pow: true), service, k2pow.TotalSeconds, 1e-3, at);
        }

        // Stored as REAL seconds and bytes/s: compare loosely, so a value read back is not "changed".
        foreach (var (disk, rate) in estimates.DiskReadRate.Where(r => r.Value > 0))
        {
            changed += UpsertChanged(stored, HistorySnapshot.EstimateKind(k2pow: false), disk, rate, rate * 1e-9, at);
        }

        foreach (var (disk, penalty) in estimates.TwoReaderPenalty)
        {
            changed += UpsertChanged(stored, HistorySnapshot.PenaltyEstimateKind, disk, penalty, 1e-9, at);
        }

        foreach (var (disk, startup) in estimates.Startup)
        {
            changed += UpsertChanged(stored, HistorySnapshot.StartupEstimateKind, disk, startup, 1e-3, at);
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

    /// <summary>Queues the value unless the stored one is within <paramref name="tolerance"/> of it (1 or 0 rows).</summary>
    private int UpsertChanged(Dictionary<(string Kind, string Name), double> stored, string kind, string name, double value, double tolerance, DateTimeOffset at)
    {
        if (stored.TryGetValue((kind, name), out var was) && (was == value || Math.Abs(was - value) < tolerance))
        {
            return 0;
        }

        stored[(kind, name)] = value;
        Queue(
            "INSERT INTO estimates (kind, name, value, at) VALUES ($k, $n, $v, $a) ON CONFLICT (kind, name) DO UPDATE SET value = excluded.value, at = excluded.at",
            ("$k", kind), ("$n", name), ("$v", value), ("$a", Text(at)));
        return 1;
    }
}
