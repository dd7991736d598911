using System.Text;

namespace PostFleet.Runtime;

/// <summary>The last lines of a log file, read backwards from the end so a large log costs only what is shown.</summary>
public static class LogTail
{
    private const int FirstChunk = 8 * 1024;
    private const int MaxChunk = 256 * 1024;

    // A bound on what one request reads, whatever the line lengths: the dashboard polls this.
    private const long MaxBytes = 8L * 1024 * 1024;

    /// <summary>The tail of a run's log file; empty when the run has no log (yet).</summary>
    public static Task<IReadOnlyList<string>> ReadIfPresentAsync(string? path, int lines, CancellationToken cancellationToken) =>
        Completed(() =>
        {
            try
            {
                return path is null ? [] : Read(path, lines, cancellationToken);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return [];
            }
        });

    public static Task<IReadOnlyList<string>> ReadAsync(string path, int lines, CancellationToken cancellationToken) =>
        Completed(() => Read(path, lines, cancellationToken));

    /// <summary>A read done here as a completed task: canceled when it was, faulted when it failed (never thrown).</summary>
    private static Task<IReadOnlyList<string>> Completed(Func<IReadOnlyList<string>> read)
    {
        try
        {
            return Task.FromResult(read());
        }
        catch (OperationCanceledException ex) when (ex.CancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<string>>(ex.CancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<IReadOnlyList<string>>(ex);
        }
    }

    /// <summary>
    /// Read where it is called: on Linux an asynchronous read of a regular file is this same read queued to the thread
    /// pool, a wait in its queue (behind every dashboard's requests) for a tail the page cache mostly holds. The
    /// reconcile loop reads an ended run's tail in its pass; a web request reads on its own pool thread.
    /// </summary>
    private static IReadOnlyList<string> Read(string path, int lines, CancellationToken cancellationToken)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var end = RandomAccess.GetLength(file);
        var start = end;
        var newlines = 0;

        // Backwards from the end, each chunk twice the last (a daemon reads forty lines of a few kilobytes many times a
        // second at 1,000 identities; a dashboard may ask for thousands), until lines+1 newlines (the last may end
        // the file) or the cap. The chunks are kept, so every byte is read once.
        var chunks = new List<byte[]>();
        var size = FirstChunk;
        while (start > 0 && newlines <= lines && end - start < MaxBytes)
        {
            var chunk = new byte[(int)Math.Min(size, start)];
            start -= chunk.Length;
            var read = 0;
            while (read < chunk.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = RandomAccess.Read(file, chunk.AsSpan(read), start + read);
                if (n == 0)
                {
                    throw new EndOfStreamException($"{path} shrank while its tail was read");
                }

                read += n;
            }

            chunks.Add(chunk);
            newlines += chunk.AsSpan().Count((byte)'\n');
            size = Math.Min(size * 2, MaxChunk);
        }

        // Decoded as one: a character may straddle two chunks.
        var bytes = new byte[end - start];
        var at = bytes.Length;
        foreach (var chunk in chunks)
        {
            at -= chunk.Length;
            chunk.CopyTo(bytes, at);
        }

        var text = Encoding.UTF8.GetString(bytes);
        var all = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var complete = all.Length > 0 && all[^1].Length == 0 ? all.AsSpan(0, all.Length - 1) : all.AsSpan();

        // The first piece may be a partial line cut by the chunk boundary; drop it when we did not reach the file start.
        if (start > 0 && complete.Length > 0)
        {
            complete = complete[1..];
        }

        return complete.Length <= lines ? complete.ToArray() : complete[^lines..].ToArray();
    }
}
