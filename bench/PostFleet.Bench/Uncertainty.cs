namespace PostFleet.Bench;

/// <summary>
/// What real proving does not do exactly, drawn per (seed, epoch, identity, pass) so that every strategy meets the
/// same draws and the reported epoch's draws are not the learning epoch's:
/// <list type="bullet">
/// <item>k2pow work: each group of 16 nonces is a RandomX search whose work is exponential around its mean
/// (post-service.md §4), so a pass's hashes are a sum of nonces/16 such draws (mean unchanged);</item>
/// <item>read rate: a few percent per pass (±3% standard deviation, clipped to ±10%);</item>
/// <item>start-up before the first k2pow: RandomX light mode a few seconds (2–8 s), fast mode building its ~2 GiB
/// dataset a minute or more (60–120 s); drawn per (epoch, identity), so a restart takes as long again. It is CPU
/// work: in the model it takes a k2pow slot's share of the pool, as a k2pow job does.</item>
/// </list>
/// </summary>
public sealed class Uncertainty(int seed)
{
    public const double ReadJitterSigma = 0.03;

    public int Seed { get; } = seed;

    /// <summary>Hashes of one pass's k2pow: the sum of one exponential draw per 16-nonce group around <paramref name="meanHashes"/>.</summary>
    public double K2PowHashes(Topology topology, int epoch, IdentitySpec identity, int pass, double meanHashes)
    {
        var groups = Math.Max(1, topology.Nonces / 16);
        double sum = 0;
        for (var g = 0; g < groups; g++)
        {
            sum += -Math.Log(1 - Uniform(Key(epoch, identity, pass, 1 + g)));
        }

        return meanHashes * sum / groups;
    }

    /// <summary>The factor on this pass's read rate.</summary>
    public double ReadJitter(int epoch, IdentitySpec identity, int pass)
    {
        // Box–Muller from two uniforms of this pass.
        var u1 = Math.Max(1e-12, Uniform(Key(epoch, identity, pass, 1001)));
        var u2 = Uniform(Key(epoch, identity, pass, 1002));
        var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return 1 + Math.Clamp(normal * ReadJitterSigma, -0.1, 0.1);
    }

    /// <summary>Seconds from a start to its first k2pow.</summary>
    public double Startup(Topology topology, int epoch, IdentitySpec identity)
    {
        var (low, high) = topology.StartupRange;
        return low + ((high - low) * Uniform(Key(epoch, identity, 0, 2001)));
    }

    private ulong Key(int epoch, IdentitySpec identity, int pass, int draw) =>
        ((ulong)(uint)Seed << 40) ^ ((ulong)(uint)epoch << 56) ^ ((ulong)(uint)identity.Index << 20) ^ ((ulong)(uint)pass << 12) ^ (uint)draw;

    /// <summary>SplitMix64's finalizer: stable across runtimes, unlike System.Random's unseeded algorithms.</summary>
    internal static double Uniform(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53));
    }
}
