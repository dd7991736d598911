using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostFleet.Doctor.Probes.Remote;

/// <summary>
/// One line the address probe prints (JSON, one per line, in its log): a node address it dialled (<c>node</c>), an
/// operator address it bound (<c>serve</c>), that it is serving (<c>ready</c>), or that it is done (<c>done</c>).
/// doctor reads them back from the container's or pod's log.
/// </summary>
public sealed record ProbeLine(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("address")] string? Address = null,
    [property: JsonPropertyName("ok")] bool Ok = true,
    [property: JsonPropertyName("detail")] string? Detail = null)
{
    public const string Node = "node";
    public const string Serve = "serve";
    public const string Ready = "ready";
    public const string Done = "done";

    /// <summary>The marker of every line, so other output in the log (a runtime's own messages) is never mistaken for one.</summary>
    public const string Prefix = "postfleet-probe ";

    private static readonly JsonSerializerOptions s_json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string Format() => Prefix + JsonSerializer.Serialize(this, s_json);

    /// <summary>Every probe line of a log, in order; anything else is skipped.</summary>
    public static IReadOnlyList<ProbeLine> ParseLog(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var lines = new List<ProbeLine>();
        foreach (var raw in log.Split('\n'))
        {
            var at = raw.IndexOf(Prefix, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<ProbeLine>(raw[(at + Prefix.Length)..].Trim(), s_json) is { Kind.Length: > 0 } line)
                {
                    lines.Add(line);
                }
            }
            catch (JsonException)
            {
                // A line cut by the log's end: the next read has it whole.
            }
        }

        return lines;
    }
}
