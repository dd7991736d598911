using System.Text.Json;

namespace PostFleet.Simulator.Common;

/// <summary>
/// The simulated machine, from the optional <c>&lt;host&gt;/postfleet-sim-host.json</c>. k2pow costs
/// <see cref="K2powSecondsPerUnitPerNonceGroup"/> core-seconds per unit per group of 16 nonces.
/// <see cref="PassSuccessProbability"/> null = the real formula 1−(1−q)^N; <see cref="Seed"/> null = random.
/// <see cref="RandomXFastSetupSeconds"/> and <see cref="RandomXLightSetupSeconds"/>: the RandomX prover's build
/// at the start of each proof (<c>randomxFastSetupSeconds</c>, <c>randomxLightSetupSeconds</c>; sim-only knobs, the
/// real binary has no such flag).
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

    /// <summary>
    /// Seconds a post-service spends building its RandomX prover in fast mode (the 2 GiB dataset, filled on one thread)
    /// before the first reply to a new proof, /status waiting meanwhile. A real CPU takes a minute or two (the bench's
    /// start-up model: 60–120 s); the default is scaled as the default k2pow is (0.1 s for a real 4,687.5 hashes, about
    /// 9 s at 500 H/s: a ninetieth), so about 90 s real.
    /// </summary>
    public double RandomXFastSetupSeconds { get; init; } = DefaultFastSetupSeconds;

    /// <summary>The same in light mode: only the 256 MiB cache (the bench's model: 2–8 s real, so about 4.5 s).</summary>
    public double RandomXLightSetupSeconds { get; init; } = DefaultLightSetupSeconds;

    private const double DefaultFastSetupSeconds = 1.0;

    private const double DefaultLightSetupSeconds = 0.05;

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
            RandomXFastSetupSeconds = Math.Max(0, DiskProfile.Number(root, "randomxFastSetupSeconds") ?? DefaultFastSetupSeconds),
            RandomXLightSetupSeconds = Math.Max(0, DiskProfile.Number(root, "randomxLightSetupSeconds") ?? DefaultLightSetupSeconds),
        };
    }

    /// <summary>
    /// Cores one k2pow process gets while processes wanting <paramref name="totalThreads"/> threads in all share
    /// the machine: min(threads, cores·threads/Σthreads).
    /// </summary>
    public double CoresFor(int threads, int totalThreads) =>
        Math.Min(threads, (double)Cores * threads / Math.Max(threads, totalThreads));
}
