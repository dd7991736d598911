using PostFleet.Core.Init;

namespace PostFleet.Init.Tests.Support;

/// <summary>Writes data folders as postcli would have left them, for the "what already exists" cases.</summary>
public static class DataFolders
{
    public static string MetadataJson(string nodeIdBase64, string commitmentBase64, ulong labelsPerUnit, uint numUnits, ulong maxFileSize, ulong? nonce = 42) =>
        "{\n" +
        $"\t\"NodeId\": \"{nodeIdBase64}\",\n\t\"CommitmentAtxId\": \"{commitmentBase64}\",\n" +
        $"\t\"LabelsPerUnit\": {labelsPerUnit},\n\t\"NumUnits\": {numUnits},\n\t\"MaxFileSize\": {maxFileSize}" +
        (nonce is null ? "" : $",\n\t\"Nonce\": {nonce},\n\t\"NonceValue\": \"0000000000000000000000000000000a\"") +
        "\n}";

    /// <summary>A folder with identity.key, metadata and <paramref name="bytes"/> of labels in layout order.</summary>
    public static void Write(string dir, string keyContent, string metadataJson, PostDataLayout layout, ulong bytes)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, PostDataObservation.IdentityKeyFileName), keyContent);
        File.WriteAllText(Path.Combine(dir, PostMetadata.FileName), metadataJson);
        for (var index = 0; index < layout.FileCount && bytes > 0; index++)
        {
            var size = Math.Min(bytes, layout.FileSize(index));
            File.WriteAllBytes(Path.Combine(dir, PostDataLayout.FileName(index)), new byte[size]);
            bytes -= size;
        }
    }
}
