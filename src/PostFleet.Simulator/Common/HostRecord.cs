using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PostFleet.Simulator.Common;

/// <summary>
/// The append-only activity record of a simulated host (<c>&lt;host&gt;/.postfleet-sim/record.jsonl</c>), one JSON
/// object per line. Every line is one <c>write(2)</c> on an O_APPEND descriptor, so lines from many processes
/// never interleave and their order is the order things happened.
/// </summary>
public sealed class HostRecord(string path, TimeProvider time)
{
    private const int OWronly = 0x1;
    private const int OCreat = 0x40;
    private const int OAppend = 0x400;
    private const int OCloexec = 0x80000;

    // Source-generated, so the natively compiled post-service (src/PostFleet.SimPost) writes the same lines.
    private static readonly JsonTypeInfo<Dictionary<string, object?>> LineType = (JsonTypeInfo<Dictionary<string, object?>>)new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = HostRecordJson.Default,
    }.GetTypeInfo(typeof(Dictionary<string, object?>));

    private readonly Lock _gate = new();

    public string Path { get; } = path;

    /// <summary>Appends one event; <paramref name="fields"/> may add pass, challenge, reason, ...</summary>
    public void Append(string @event, string nodeIdHex, string dir, string disk, IReadOnlyDictionary<string, object?>? fields = null)
    {
        var line = new Dictionary<string, object?>
        {
            ["time"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["pid"] = Environment.ProcessId,
            ["nodeId"] = nodeIdHex,
            ["dir"] = dir,
            ["disk"] = disk,
            ["event"] = @event,
        };
        foreach (var (key, value) in fields ?? new Dictionary<string, object?>())
        {
            line[key] = value;
        }

        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(line, LineType) + "\n");
        lock (_gate)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var fd = Open(Path, OWronly | OCreat | OAppend | OCloexec, 0x1a4 /* 0644 */);
            if (fd < 0)
            {
                throw new IOException($"cannot open {Path}: errno {Marshal.GetLastPInvokeError()}");
            }

            try
            {
                _ = Write(fd, bytes, bytes.Length);
            }
            finally
            {
                _ = Close(fd);
            }
        }
    }

    // DllImport rather than LibraryImport: the generated stubs would need unsafe code in this project.
#pragma warning disable SYSLIB1054, CA5392, CA2101
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
#pragma warning restore SYSLIB1054, CA5392, CA2101
}

/// <summary>Every type a record line's fields hold (a field of another type fails at once, in the JIT build too).</summary>
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(byte))]
[JsonSerializable(typeof(short))]
[JsonSerializable(typeof(ushort))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(uint))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
internal sealed partial class HostRecordJson : JsonSerializerContext;
