namespace PostFleet.Bench;

/// <summary>
/// Which passes find no proof, drawn with the topology's <see cref="Topology.PassFailureProbability"/>. The
/// outcome depends only on (seed, epoch, identity, pass), never on timing: in post-service a pass's outcome is fixed
/// by the challenge and its nonces, so every strategy meets the same failures and a restarted service (which starts
/// again from pass 0) fails the same passes again.
/// </summary>
public sealed class PassFailures(Topology topology, int seed)
{
    public int Seed { get; } = seed;

    public bool Fails(int epoch, IdentitySpec identity, int pass) =>
        Uniform(((ulong)(uint)Seed << 32) ^ ((ulong)(uint)epoch << 48) ^ ((ulong)(uint)identity.Index << 16) ^ (uint)pass) < topology.PassFailureProbability;

    /// <summary>SplitMix64's finalizer: stable across runtimes, unlike System.Random's unseeded algorithms.</summary>
    private static double Uniform(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53));
    }
}
