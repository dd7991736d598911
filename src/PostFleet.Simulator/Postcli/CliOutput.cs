using System.Globalization;
using System.Text;

namespace PostFleet.Simulator.Postcli;

/// <summary>
/// postcli's two output channels: Go's <c>log</c> on stderr (<c>2025/05/20 12:00:00 cli: …</c>) and zap's console
/// encoder on stdout (<c>&lt;ISO8601&gt;\tINFO\t&lt;msg&gt;\t{json}</c>).
/// </summary>
public sealed class CliOutput(TextWriter stdout, TextWriter stderr, TimeProvider time)
{
    private readonly Lock _gate = new();

    public TimeProvider Time => time;

    public void Log(string message)
    {
        var stamp = time.GetLocalNow().ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            stderr.WriteLine($"{stamp} {message}");
            stderr.Flush();
        }
    }

    /// <summary>zap console line; field values are numbers or strings, in the given order.</summary>
    public void Info(string message, params (string Key, object Value)[] fields)
    {
        var now = time.GetLocalNow();
        var offset = now.Offset == TimeSpan.Zero ? "Z" : now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal);
        var stamp = now.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture) + offset;
        var json = new StringBuilder();
        if (fields.Length > 0)
        {
            json.Append("\t{");
            json.AppendJoin(", ", fields.Select(f => $"\"{f.Key}\": {Value(f.Value)}"));
            json.Append('}');
        }

        lock (_gate)
        {
            stdout.WriteLine($"{stamp}\tINFO\t{message}{json}");
            stdout.Flush();
        }
    }

    private static string Value(object value) => value switch
    {
        string s => System.Text.Json.JsonSerializer.Serialize(s),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => System.Text.Json.JsonSerializer.Serialize(value.ToString()),
    };
}
