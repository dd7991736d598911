using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace PostFleet.Simulator.Node;

/// <summary>
/// The append-only JSON-lines record tests and demos read while the node runs: one object per line, each
/// flushed at once. Format documented in docs/simulator-node.md.
/// </summary>
public sealed class SimRecord : IDisposable
{
    private readonly FileStream _stream;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public SimRecord(string path, TimeProvider time)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _time = time;
    }

    /// <summary>Writes one line; `fields` are added after time, event, identity and nodeId.</summary>
    public void Write(string @event, NodeIdentity? identity, JsonObject? fields = null, string? nodeIdHex = null)
    {
        var line = new JsonObject
        {
            ["time"] = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            ["event"] = @event,
        };
        if (identity is not null)
        {
            line["identity"] = identity.Name;
        }

        if ((nodeIdHex ?? identity?.NodeIdHex) is { } id)
        {
            line["nodeId"] = id;
        }

        foreach (var (key, value) in fields ?? [])
        {
            line[key] = value?.DeepClone();
        }

        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString() + "\n");
        lock (_gate)
        {
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        lock (_gate)
        {
            _stream.Dispose();
        }
    }
}
