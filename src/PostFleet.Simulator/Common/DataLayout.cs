using System.Text.RegularExpressions;

namespace PostFleet.Simulator.Common;

/// <summary>How PoST data is laid out on disk: 16-byte labels in <c>postdata_N.bin</c> files of MaxFileSize bytes.</summary>
public static partial class DataLayout
{
    public const int LabelSize = 16;

    public static string FileName(int index) => $"postdata_{index}.bin";

    public static int FileCount(ulong totalBytes, ulong maxFileSize) => (int)((totalBytes + maxFileSize - 1) / maxFileSize);

    /// <summary>The size file <paramref name="index"/> has once the data is complete.</summary>
    public static ulong ExpectedFileSize(int index, ulong totalBytes, ulong maxFileSize) =>
        Math.Min(maxFileSize, totalBytes - ((ulong)index * maxFileSize));

    /// <summary>The data files that exist, ordered by the number in their name (the order post-rs reads them in).</summary>
    public static IReadOnlyList<(int Index, string Path)> ExistingFiles(string dataDir) =>
        [.. Directory.EnumerateFiles(dataDir)
            .Select(path => (Match: DataFileName().Match(Path.GetFileName(path)), Path: path))
            .Where(x => x.Match.Success && int.TryParse(x.Match.Groups[1].Value, out _))
            .Select(x => (int.Parse(x.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), x.Path))
            .OrderBy(x => x.Item1)];

    [GeneratedRegex(@"^postdata_(\d+)\.bin$")]
    private static partial Regex DataFileName();
}
