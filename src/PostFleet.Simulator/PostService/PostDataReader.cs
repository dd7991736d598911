using Microsoft.Win32.SafeHandles;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// Reads the virtual concatenation of <c>postdata_N.bin</c> (file i starts at i × MaxFileSize) for real, so a
/// missing or short file fails the proof as it would fail post-rs.
/// </summary>
public sealed class PostDataReader(string dataDir, ulong maxFileSize, Action<string> onNewFile) : IDisposable
{
    private readonly Dictionary<int, SafeFileHandle> _open = [];
    private readonly byte[] _buffer = new byte[1 << 20];

    public void Read(ulong offset, ulong length)
    {
        while (length > 0)
        {
            var index = (int)(offset / maxFileSize);
            var inFile = offset % maxFileSize;
            var count = (int)Math.Min(Math.Min(length, maxFileSize - inFile), (ulong)_buffer.Length);
            var read = RandomAccess.Read(Handle(index), _buffer.AsSpan(0, count), (long)inFile);
            if (read < count)
            {
                throw new ProvingFailedException($"reading {Path.Combine(dataDir, DataLayout.FileName(index))}: failed to fill whole buffer (read {read} of {count} bytes at {inFile})");
            }

            offset += (ulong)count;
            length -= (ulong)count;
        }
    }

    private SafeFileHandle Handle(int index)
    {
        if (_open.TryGetValue(index, out var handle))
        {
            return handle;
        }

        var path = Path.Combine(dataDir, DataLayout.FileName(index));
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProvingFailedException($"opening file {path}: {(ex is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory (os error 2)" : ex.Message)}");
        }

        onNewFile(path);
        _open[index] = handle;
        return handle;
    }

    public void Dispose()
    {
        foreach (var handle in _open.Values)
        {
            handle.Dispose();
        }
    }
}
