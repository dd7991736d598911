using System.Text;
using System.Text.Json;

namespace PostFleet.Simulator.Common;

/// <summary>
/// The content of <c>postdata_metadata.json</c>. Written the way postcli (Go) writes it: tab indentation,
/// PascalCase keys, ids in padded standard Base64, Nonce/NonceValue/LastPosition omitted when unknown.
/// Read the way post-service (Rust) reads it: both the Go form and post-rs' own form with explicit nulls.
/// </summary>
public sealed record PostMetadata(
    byte[] NodeId,
    byte[] CommitmentAtxId,
    ulong LabelsPerUnit,
    uint NumUnits,
    ulong MaxFileSize,
    ulong? Nonce = null,
    byte[]? NonceValue = null,
    ulong? LastPosition = null)
{
    public const string FileName = "postdata_metadata.json";

    public ulong NumLabels => NumUnits * LabelsPerUnit;

    public ulong TotalBytes => NumLabels * DataLayout.LabelSize;

    public static PostMetadata Load(string dataDir) => Parse(File.ReadAllText(Path.Combine(dataDir, FileName)));

    public static PostMetadata Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new PostMetadata(
            RequiredBase64(root, "NodeId"),
            RequiredBase64(root, "CommitmentAtxId"),
            Required(root, "LabelsPerUnit").GetUInt64(),
            Required(root, "NumUnits").GetUInt32(),
            Required(root, "MaxFileSize").GetUInt64(),
            OptionalUInt64(root, "Nonce"),
            root.TryGetProperty("NonceValue", out var value) && value.ValueKind == JsonValueKind.String ? Convert.FromHexString(value.GetString()!) : null,
            OptionalUInt64(root, "LastPosition"));
    }

    /// <summary>
    /// Rust's derived Debug of post-rs' <c>PostMetadata</c> (its fields in declaration order, byte arrays as decimal
    /// lists, options as <c>Some(n)</c>/<c>None</c>), as post-service logs it in <c>obtained metadata: …</c>.
    /// </summary>
    public string ToRustDebug() =>
        $"PostMetadata {{ node_id: {Bytes(NodeId)}, commitment_atx_id: {Bytes(CommitmentAtxId)}, labels_per_unit: {LabelsPerUnit}, num_units: {NumUnits}, max_file_size: {MaxFileSize}, nonce: {Option(Nonce)}, last_position: {Option(LastPosition)} }}";

    /// <summary>Go's <c>json.MarshalIndent(meta, "", "\t")</c>: no trailing newline.</summary>
    public string ToGoJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentCharacter = '\t', IndentSize = 1, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("NodeId", Convert.ToBase64String(NodeId));
            writer.WriteString("CommitmentAtxId", Convert.ToBase64String(CommitmentAtxId));
            writer.WriteNumber("LabelsPerUnit", LabelsPerUnit);
            writer.WriteNumber("NumUnits", NumUnits);
            writer.WriteNumber("MaxFileSize", MaxFileSize);
            if (Nonce is { } nonce)
            {
                writer.WriteNumber("Nonce", nonce);
            }

            if (NonceValue is { } nonceValue)
            {
                writer.WriteString("NonceValue", Convert.ToHexStringLower(nonceValue));
            }

            if (LastPosition is { } lastPosition)
            {
                writer.WriteNumber("LastPosition", lastPosition);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Replaces the file atomically (write a temporary file, then rename), as postcli does.</summary>
    public void Save(string dataDir)
    {
        var target = Path.Combine(dataDir, FileName);
        var temporary = target + ".tmp";
        File.WriteAllText(temporary, ToGoJson());
        File.Move(temporary, target, overwrite: true);
    }

    private static JsonElement Required(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new JsonException($"missing field `{name}`");

    private static byte[] RequiredBase64(JsonElement root, string name) => Convert.FromBase64String(Required(root, name).GetString() ?? "");

    private static ulong? OptionalUInt64(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetUInt64() : null;

    private static string Bytes(byte[] bytes) => "[" + string.Join(", ", bytes) + "]";

    private static string Option(ulong? value) => value is { } v ? $"Some({v})" : "None";
}
