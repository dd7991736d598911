namespace PostFleet.Core.Init;

/// <summary>
/// The files postcli writes for one identity (post-service.md §5.2): <c>postdata_N.bin</c> of 16-byte labels,
/// every file <see cref="MaxFileSize"/> bytes except the last, which holds the rest.
/// </summary>
public sealed record PostDataLayout(uint NumUnits, ulong LabelsPerUnit, ulong MaxFileSize)
{
    public const int BytesPerLabel = 16;

    /// <summary>postcli's own default (4 GiB) when the config does not set one.</summary>
    public const ulong DefaultMaxFileSize = 4UL << 30;

    public static PostDataLayout Create(uint numUnits, ulong labelsPerUnit, ulong? maxFileSize) =>
        new(numUnits, labelsPerUnit, maxFileSize ?? DefaultMaxFileSize);

    public ulong TotalBytes => NumUnits * LabelsPerUnit * BytesPerLabel;

    public int FileCount => MaxFileSize == 0 ? 0 : (int)((TotalBytes + MaxFileSize - 1) / MaxFileSize);

    public ulong FileSize(int index) =>
        index < FileCount - 1 ? MaxFileSize : TotalBytes - (MaxFileSize * (ulong)(FileCount - 1));

    public static string FileName(int index) => $"postdata_{index}.bin";

    /// <summary>The index in a <c>postdata_N.bin</c> name, or null for any other file (N is decimal, unpadded).</summary>
    public static int? FileIndex(string fileName)
    {
        const string prefix = "postdata_";
        const string suffix = ".bin";
        if (!fileName.StartsWith(prefix, StringComparison.Ordinal) || !fileName.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var digits = fileName[prefix.Length..^suffix.Length];
        return digits.Length > 0 && digits.All(char.IsAsciiDigit) && (digits == "0" || digits[0] != '0') && int.TryParse(digits, out var index)
            ? index
            : null;
    }
}
