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
        Uncertainty.Uniform(((ulong)(uint)Seed << 32) ^ ((ulong)(uint)epoch << 48) ^ ((ulong)(uint)identity.Index << 16) ^ (uint)pass) < topology.PassFailureProbability;
}
