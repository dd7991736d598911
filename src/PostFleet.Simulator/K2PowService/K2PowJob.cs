using System.Numerics;

namespace PostFleet.Simulator.K2PowService;

/// <summary>
/// One k2pow job as k2pow-service keys it (post-rs <c>job_manager.rs</c>, struct <c>Job</c>): the miner (node id),
/// the nonce group, the challenge's first 8 bytes and the difficulty already scaled by the identity's units.
/// </summary>
public sealed record K2PowJob(string Miner, byte NonceGroup, string Challenge, string Difficulty)
{
    /// <summary>
    /// Parses the four path segments as axum's extractor would (hex of 32, 8 and 32 bytes, a u8 group); null with
    /// the reason when one does not parse, which the real service answers with 400.
    /// </summary>
    public static K2PowJob? TryParse(string miner, string group, string challenge, string difficulty, out string? problem)
    {
        problem = Hex(miner, 32, "miner") ?? Hex(challenge, 8, "challenge") ?? Hex(difficulty, 32, "difficulty");
        if (problem is null && !byte.TryParse(group, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            problem = $"Invalid URL: Cannot parse `{group}` to a `u8`";
        }

        return problem is null
            ? new K2PowJob(miner.ToLowerInvariant(), byte.Parse(group, System.Globalization.CultureInfo.InvariantCulture), challenge.ToLowerInvariant(), difficulty.ToLowerInvariant())
            : null;
    }

    /// <summary>
    /// Expected work in units of the network's difficulty: a job's difficulty is the network's divided by the
    /// identity's units (post-rs <c>ProvingParams::new</c>) and the expected hashes are 2^256 ÷ difficulty, so the work
    /// in units is <paramref name="networkDifficulty"/> (hex; null = mainnet's) ÷ this one. Null for a zero
    /// difficulty, which no hash can meet.
    /// </summary>
    public double? WorkInUnits(string? networkDifficulty)
    {
        var difficulty = new BigInteger(Convert.FromHexString(Difficulty), isUnsigned: true, isBigEndian: true);
        if (difficulty.IsZero)
        {
            return null;
        }

        var network = networkDifficulty is null ? PostService.PostServiceOptions.MainnetPowDifficulty : Convert.FromHexString(networkDifficulty);
        return Math.Exp(BigInteger.Log(new BigInteger(network, isUnsigned: true, isBigEndian: true)) - BigInteger.Log(difficulty));
    }

    private static string? Hex(string text, int bytes, string what)
    {
        if (text.Length != bytes * 2 || !text.All(char.IsAsciiHexDigit))
        {
            return $"Invalid URL: {what} is not {bytes} bytes of hex";
        }

        return null;
    }
}
