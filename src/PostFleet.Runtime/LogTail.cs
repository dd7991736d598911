using System.Text;

namespace PostFleet.Runtime;

/// <summary>The last lines of a log file, read backwards from the end so a large log costs only what is shown.</summary>
public static class LogTail
{
    private const int Chunk = 64 * 1024;

    // A bound on what one request reads, whatever the line lengths: the dashboard polls this.
    private const long MaxBytes = 8L * 1024 * 1024;

    /// <summary>The tail of a run's log file; empty when the run has no log (yet).</summary>
    public static async Task<IReadOnlyList<string>> ReadIfPresentAsync(string? path, int lines, CancellationToken cancellationToken)
    {
        try
        {
            return path is null ? [] : await ReadAsync(path, lines, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
    }

    public static async Task<IReadOnlyList<string>> ReadAsync(string path, int lines, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: true);
        var end = stream.Length;
        var start = end;
        var newlines = 0;
        var buffer = new byte[Chunk];
        // Count newlines from the end until we have lines+1 of them (the last may end the file) or hit the cap.
        while (start > 0 && newlines <= lines && end - start < MaxBytes)
        {
            var size = (int)Math.Min(Chunk, start);
            start -= size;
            stream.Position = start;
            await stream.ReadExactlyAsync(buffer.AsMemory(0, size), cancellationToken);
            newlines += buffer.AsSpan(0, size).Count((byte)'\n');
        }

        stream.Position = start;
        var bytes = new byte[end - start];
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        var all = Encoding.UTF8.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var complete = all.AsEnumerable();
        if (all.Length > 0 && all[^1].Length == 0)
        {
            complete = all.Take(all.Length - 1);
        }

        var list = complete.ToList();
        // The first piece may be a partial line cut by the chunk boundary; drop it when we did not reach the file start.
        if (start > 0 && list.Count > 0)
        {
            list.RemoveAt(0);
        }

        return list.Count <= lines ? list : list.GetRange(list.Count - lines, lines);
    }
}
