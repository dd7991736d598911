using System.Globalization;
using System.Text.Json;

namespace PostFleet.Bench.Soak;

/// <summary>One line of the simulated node's record or of the post-services' host record (docs/simulator*.md).</summary>
public sealed record SoakLine(string Event, DateTimeOffset Time, int Pid, string? Identity, string? Dir, string? Kind, long? PublishEpoch, DateTimeOffset? Deadline, string? Reason)
{
    /// <summary>The service a host-record line is about: its data folder's name (the soak names both alike).</summary>
    public string? Service => Identity ?? (Dir is null ? null : Path.GetFileName(Dir));

    public static SoakLine? Parse(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var r = doc.RootElement;
            string? S(string n) => r.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long? L(string n) => r.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
            return new SoakLine(S("event") ?? "", DateTimeOffset.Parse(S("time")!, CultureInfo.InvariantCulture), (int)(L("pid") ?? 0), S("identity"), S("dir"), S("kind"), L("publishEpoch"),
                S("deadline") is { } d ? DateTimeOffset.Parse(d, CultureInfo.InvariantCulture) : null, S("reason"));
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentNullException)
        {
            return null;
        }
    }

    /// <summary>Every whole line of a JSON-lines record that another process is still appending to.</summary>
    public static IReadOnlyList<SoakLine> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).OfType<SoakLine>().ToList();
    }
}

/// <summary>
/// One injected fault: its kind, what it hit (a service, node, daemon, config, history), from when the fault began
/// until it was over (for a node restart: until the node had synced; for a crash: the kill), and what it did.
/// </summary>
public sealed record SoakFault(string Kind, string Target, DateTimeOffset Start, DateTimeOffset End, string Detail = "")
{
    /// <summary>The fault found nothing to hit (no service in that phase, none running).</summary>
    public bool Missed => Detail.StartsWith("nothing", StringComparison.Ordinal);

    public override string ToString() =>
        $"{Kind} {Target} {Start:HH:mm:ss.f}-{End:HH:mm:ss.f}{(Detail.Length > 0 ? " (" + Detail + ")" : "")}";
}
