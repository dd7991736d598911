using Microsoft.Data.Sqlite;

namespace PostFleet.Storage;

/// <summary>
/// Reads the history for web requests, beside the loop's writer. Thread-safety contract: safe from any number of
/// threads at once. Each <see cref="Read{T}"/> takes its own read-only connection (from Microsoft.Data.Sqlite's
/// pool, never shared by two threads at a time) and one read transaction: WAL lets it read the last committed
/// state while the writer appends, without waiting for it and without ever seeing half a pass.
/// </summary>
public sealed class HistoryReader
{
    private readonly string _connectionString;

    public HistoryReader(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
    }

    public string Path { get; }

    /// <summary>Runs <paramref name="query"/> on one consistent snapshot of the file.</summary>
    /// <exception cref="HistoryUnavailableException">The file cannot be opened or read.</exception>
    public T Read<T>(Func<HistorySnapshot, T> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using var transaction = connection.BeginTransaction(deferred: true);
            var result = query(new HistorySnapshot(connection));
            transaction.Commit();
            return result;
        }
        catch (SqliteException ex)
        {
            throw new HistoryUnavailableException($"the history {Path} cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Closes the pooled connections (the writer calls it when it closes the file).</summary>
    internal void Release()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}

/// <summary>The history file could not be read (missing, unreadable, not a database); the message names it.</summary>
public sealed class HistoryUnavailableException(string message, Exception inner) : Exception(message, inner);
