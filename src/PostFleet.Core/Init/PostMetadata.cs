using System.Text.Json;

namespace PostFleet.Core.Init;

/// <summary>
/// <c>postdata_metadata.json</c> (post-service.md §5.2). postcli writes it before the first label, so its presence
/// alone never means "complete". Ids are kept as the Base64 text of the file so comparisons need no decoding.
/// </summary>
public sealed record PostMetadata(
    string NodeIdBase64,
    string CommitmentAtxIdBase64,
    ulong LabelsPerUnit,
    uint NumUnits,
    ulong MaxFileSize,
    ulong? Nonce)
{
    public const string FileName = "postdata_metadata.json";

    /// <summary>The node id as lower-case hex, or null when the Base64 is not 32 bytes.</summary>
    public string? NodeIdHex => Base64ToHex(NodeIdBase64);

    public string? CommitmentAtxIdHex => Base64ToHex(CommitmentAtxIdBase64);

    /// <summary>Reads the PascalCase keys postcli writes (and the null Nonce post-rs writes); other keys are ignored.</summary>
    public static bool TryParse(string json, out PostMetadata? metadata, out string error)
    {
        metadata = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "not a JSON object";
                return false;
            }

            metadata = new PostMetadata(
                RequiredString(root, "NodeId"),
                RequiredString(root, "CommitmentAtxId"),
                RequiredNumber(root, "LabelsPerUnit", e => e.GetUInt64()),
                RequiredNumber(root, "NumUnits", e => e.GetUInt32()),
                RequiredNumber(root, "MaxFileSize", e => e.GetUInt64()),
                root.TryGetProperty("Nonce", out var nonce) && nonce.ValueKind == JsonValueKind.Number ? nonce.GetUInt64() : null);
            error = "";
            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            error = ex.Message;
            return false;
        }
    }

    private static string RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new KeyNotFoundException($"\"{name}\" is missing or not a string");

    private static T RequiredNumber<T>(JsonElement root, string name, Func<JsonElement, T> read) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? read(value)
            : throw new KeyNotFoundException($"\"{name}\" is missing or not a number");

    private static string? Base64ToHex(string base64)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(base64, buffer, out var written) && written == 32
            ? Convert.ToHexStringLower(buffer.AsSpan(0, written))
            : null;
    }
}
