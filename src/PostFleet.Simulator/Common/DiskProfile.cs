using System.Text.Json;

namespace PostFleet.Simulator.Common;

/// <summary>
/// The simulated disk, from the optional <c>&lt;disk&gt;/postfleet-sim-disk.json</c>. Defaults are slow on purpose
/// so the demo's tiny data (16 KiB per unit) takes a few visible seconds to read and write.
/// </summary>
public sealed record DiskProfile(double ReadBytesPerSecond, double WriteBytesPerSecond, double ConcurrencyPenalty)
{
    public const string FileName = "postfleet-sim-disk.json";

    public static readonly DiskProfile Default = new(128 * 1024, 64 * 1024, 0.2);

    public static DiskProfile Load(string disk)
    {
        var path = Path.Combine(disk, FileName);
        if (!File.Exists(path))
        {
            return Default;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        return new DiskProfile(
            Number(root, "readBytesPerSecond") ?? Default.ReadBytesPerSecond,
            Number(root, "writeBytesPerSecond") ?? Default.WriteBytesPerSecond,
            Number(root, "concurrencyPenalty") ?? Default.ConcurrencyPenalty);
    }

    /// <summary>Each of <paramref name="sharers"/> concurrent transfers gets bw / n / (1 + p·(n−1)).</summary>
    public double ShareOf(double bandwidth, int sharers)
    {
        var n = Math.Max(1, sharers);
        return bandwidth / n / (1 + (ConcurrencyPenalty * (n - 1)));
    }

    internal static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
