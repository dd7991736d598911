using System.Text.Json;

namespace PostFleet.Simulator.Common;

/// <summary>
/// The simulated machine, from the optional <c>&lt;host&gt;/postfleet-sim-host.json</c>. k2pow costs
/// <see cref="K2powSecondsPerUnitPerNonceGroup"/> core-seconds per unit per group of 16 nonces.
/// <see cref="PassSuccessProbability"/> null = the real formula 1−(1−q)^N; <see cref="Seed"/> null = random.
/// </summary>
public sealed record HostProfile(int Cores, double K2powSecondsPerUnitPerNonceGroup, double? PassSuccessProbability, int? Seed)
{
    public const string FileName = "postfleet-sim-host.json";

    public static readonly HostProfile Default = new(4, 0.1, null, null);

    /// <summary>
    /// The network's k2pow difficulty (hex, 32 bytes) that a simulated k2pow-service measures a job's units against:
    /// a job's difficulty is this divided by the identity's units. Null = mainnet's.
    /// </summary>
    public string? NetworkPowDifficulty { get; init; }

    public static HostProfile Load(string host)
    {
        var path = Path.Combine(host, FileName);
        if (!File.Exists(path))
        {
            return Default;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        return new HostProfile(
            (int)(DiskProfile.Number(root, "cores") ?? Default.Cores),
            DiskProfile.Number(root, "k2powSecondsPerUnitPerNonceGroup") ?? Default.K2powSecondsPerUnitPerNonceGroup,
            DiskProfile.Number(root, "passSuccessProbability"),
            DiskProfile.Number(root, "seed") is { } seed ? (int)seed : null)
        {
            NetworkPowDifficulty = root.TryGetProperty("networkPowDifficulty", out var difficulty) && difficulty.ValueKind == JsonValueKind.String ? difficulty.GetString() : null,
        };
    }

    /// <summary>
    /// Cores one k2pow process gets while processes wanting <paramref name="totalThreads"/> threads in all share
    /// the machine: min(threads, cores·threads/Σthreads).
    /// </summary>
    public double CoresFor(int threads, int totalThreads) =>
        Math.Min(threads, (double)Cores * threads / Math.Max(threads, totalThreads));
}
