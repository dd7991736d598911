using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

public enum ProofKind
{
    /// <summary>The identity's first PoST: zero challenge, no deadline.</summary>
    Initial,

    /// <summary>The per-epoch PoST over the PoET proof reference, due before the publish epoch ends.</summary>
    Nipost,
}

public sealed record ProofRequest(ProofKind Kind, byte[] Challenge, uint? PublishEpoch, DateTimeOffset? Deadline)
{
    public static readonly byte[] ZeroChallenge = new byte[32];

    public static ProofRequest Initial() => new(ProofKind.Initial, ZeroChallenge, null, null);
}

public enum ProofResult
{
    Delivered,

    /// <summary>ERROR status or a malformed answer: the ATX loop retries about a layer later.</summary>
    Failed,

    /// <summary>The publish epoch ended before a proof arrived: the challenge is lost.</summary>
    DeadlineExceeded,
}

public sealed record ProofOutcome(ProofResult Result, Metadata? Meta = null, string? Reason = null);

/// <summary>An answer the node refuses (the real node's error strings).</summary>
public sealed class ProofException(string message) : Exception(message);
