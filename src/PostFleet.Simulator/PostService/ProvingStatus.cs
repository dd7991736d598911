namespace PostFleet.Simulator.PostService;

/// <summary>Progress of the running proof as the operator API shows it: the pass's nonce range and bytes scanned.</summary>
public sealed record ProvingStatus(ulong NoncesStart, ulong NoncesEnd, ulong Position)
{
    /// <summary>What /status shows right after the start, before the proving thread has set up its first pass.</summary>
    public static readonly ProvingStatus Starting = new(0, 0, 0);
}

/// <summary>Shared between the proving thread (writer) and the operator API (reader).</summary>
public sealed class ProvingProgress
{
    private volatile ProvingStatus _current = ProvingStatus.Starting;

    public ProvingStatus Current => _current;

    public void Set(ProvingStatus status) => _current = status;
}
