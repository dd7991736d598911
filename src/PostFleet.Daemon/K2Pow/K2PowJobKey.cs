using System.Globalization;
using System.Numerics;

namespace PostFleet.Daemon.K2Pow;

/// <summary>
/// One k2pow job as post-service asks for it and k2pow-service keys it (post-rs <c>job_manager.rs</c>, <c>Job</c>):
/// the miner (node id, 32 bytes), the nonce group (u8), the challenge's first 8 bytes and the scaled difficulty
/// (32 bytes), hex in lower case. The router forwards exactly this path to a worker.
/// </summary>
public sealed record K2PowJobKey(string Miner, int Group, string Challenge, string Difficulty)
{
    public string Path => $"/job/{Miner}/{Group.ToString(CultureInfo.InvariantCulture)}/{Challenge}/{Difficulty}";

    /// <summary>Null with a reason when a segment is not what k2pow-service would accept (it answers 400 then too).</summary>
    public static K2PowJobKey? TryParse(string miner, string group, string challenge, string difficulty, out string problem)
    {
        problem = Hex(miner, 32, "miner") ?? Hex(challenge, 8, "challenge") ?? Hex(difficulty, 32, "difficulty") ?? "";
        if (problem.Length > 0)
        {
            return null;
        }

        if (!byte.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var g))
        {
            problem = $"Invalid URL: Cannot parse `{group}` to a `u8`";
            return null;
        }

        return new K2PowJobKey(miner.ToLowerInvariant(), g, challenge.ToLowerInvariant(), difficulty.ToLowerInvariant());
    }

    /// <summary>Expected RandomX hashes of the search: 2^256 ÷ difficulty (post-service.md §4.2); null for zero.</summary>
    public double? ExpectedHashes()
    {
        var difficulty = new BigInteger(Convert.FromHexString(Difficulty), isUnsigned: true, isBigEndian: true);
        return difficulty.IsZero ? null : Math.Exp((256 * Math.Log(2)) - BigInteger.Log(difficulty));
    }

    private static string? Hex(string text, int bytes, string what) =>
        text.Length == bytes * 2 && text.All(char.IsAsciiHexDigit) ? null : $"Invalid URL: {what} must be {bytes} bytes of hex";
}
