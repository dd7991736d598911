using Microsoft.Data.Sqlite;

namespace PostFleet.Storage;

/// <summary>
/// Copies the history's write-ahead log into the file on a timer thread of its own, so the writer never does. SQLite
/// checkpoints in the commit that crosses a thousand WAL pages, and that commit then waits for the copy and its fsync:
/// in a reconcile pass at 1,000 identities, on a disk busy with proofs, that was the slowest pass in a hundred.
/// PASSIVE: it copies what no reader still needs and never blocks the writer or a reader; what it leaves goes next
/// time. Thread-safety: the timer's callbacks never overlap, and its connection is used by them only.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>At most a few MiB of WAL at a large fleet's write rate between two copies.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly SqliteConnection _connection;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private bool _disposed;

    public WalCheckpointer(string path, TimeProvider time)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        _timer = time.CreateTimer(_ => Checkpoint(), null, Interval, Interval);
    }

    /// <summary>Checkpoints run (for tests and the health of the history); failures leave the WAL for the next.</summary>
    public int Runs { get; private set; }

    public void Checkpoint()
    {
        // A tick that comes while the last one still copies is skipped rather than queued behind it.
        if (!_gate.TryEnter())
        {
            return;
        }

        try
        {
            if (_disposed)
            {
                return;
            }

            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            command.ExecuteNonQuery();
            Runs++;
        }
        catch (SqliteException)
        {
            // A full disk or a busy file: the writer's health says what fails; the WAL waits for the next tick.
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _connection.Dispose();
        }
    }
}
