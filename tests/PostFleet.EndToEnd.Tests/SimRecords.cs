using System.Text.Json;

namespace PostFleet.EndToEnd.Tests;

/// <summary>One line of a simulator's JSON-lines record.</summary>
public sealed record RecordLine(DateTimeOffset Time, string Event, JsonElement Json)
{
    public string? Text(string name) => Json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public long? Number(string name) => Json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    public static IReadOnlyList<RecordLine> Read(string path) =>
        [.. File.ReadLines(path)
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .Select(j => new RecordLine(j.GetProperty("time").GetDateTimeOffset(), j.GetProperty("event").GetString()!, j))
            .OrderBy(r => r.Time)];
}

/// <summary>A phase of one post-service process, from the host record: [start, end) of k2pow or of the read.</summary>
public sealed record PhaseInterval(string Identity, string Disk, long Pid, string Phase, DateTimeOffset Start, DateTimeOffset End, long Pass = 0);

public static class PhaseIntervals
{
    /// <summary>
    /// Pairs each *-start with its *-end. A process killed mid-phase writes no end: its next line (or, for its last
    /// phase, the end of the record) closes the interval, which can only over-count concurrency, never hide it.
    /// </summary>
    public static IReadOnlyList<PhaseInterval> From(IReadOnlyList<RecordLine> host)
    {
        var result = new List<PhaseInterval>();
        var end = host.Count > 0 ? host[^1].Time : DateTimeOffset.MinValue;
        foreach (var process in host.Where(l => l.Number("pid") is not null).GroupBy(l => l.Number("pid")!.Value))
        {
            var lines = process.OrderBy(l => l.Time).ToList();
            for (var i = 0; i < lines.Count; i++)
            {
                var phase = lines[i].Event switch { "k2pow-start" => "k2pow", "read-start" => "read", _ => null };
                if (phase is null)
                {
                    continue;
                }

                var close = lines.Skip(i + 1).FirstOrDefault()?.Time ?? end;
                result.Add(new PhaseInterval(Path.GetFileName(lines[i].Text("dir")!), lines[i].Text("disk")!, process.Key, phase, lines[i].Time, close, lines[i].Number("pass") ?? 0));
            }
        }

        return result;
    }

    /// <summary>The largest number of intervals open at one instant.</summary>
    public static int PeakConcurrency(IEnumerable<PhaseInterval> intervals)
    {
        var points = intervals.SelectMany(i => new[] { (i.Start, +1), (i.End, -1) })
            .OrderBy(p => p.Item1).ThenBy(p => p.Item2); // ends before starts at the same instant
        int open = 0, peak = 0;
        foreach (var (_, delta) in points)
        {
            open += delta;
            peak = Math.Max(peak, open);
        }

        return peak;
    }
}
