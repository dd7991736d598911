namespace PostFleet.Core.Model;

/// <summary>
/// A post-service's operator <c>GET /status</c>, as a closed hierarchy. The real service has only three bodies;
/// <see cref="Unreachable"/> stands for "no answer" (not started yet, crashed, hung, or no operator API) and
/// <see cref="Unrecognised"/> for an answer we cannot read.
/// </summary>
public abstract record ServiceStatus
{
    private ServiceStatus()
    {
    }

    /// <summary><c>"Idle"</c>: nothing running and no finished proof held.</summary>
    public sealed record Idle : ServiceStatus;

    /// <summary>
    /// <c>{"Proving":{"nonces":{"start":a,"end":b},"position":n}}</c>. Position 0 means k2pow (CPU) for the pass;
    /// above 0 it is bytes of PoST data read in the current pass.
    /// </summary>
    public sealed record Proving(ulong NonceStart, ulong NonceEnd, ulong Position) : ServiceStatus
    {
        public bool InK2Pow => Position == 0;

        /// <summary>0-based pass number, given the nonces per pass the service was started with.</summary>
        public ulong Pass(int noncesPerPass) => noncesPerPass > 0 ? NonceStart / (ulong)noncesPerPass : 0;
    }

    /// <summary><c>"DoneProving"</c>: the proof is finished (or failed) and the node has not fetched it yet.</summary>
    public sealed record DoneProving : ServiceStatus;

    public sealed record Unreachable(string Reason) : ServiceStatus;

    /// <summary>
    /// The service answered /status, but with a body none of the known shapes fits (a newer post-service with a
    /// state this PostFleet does not know, say). Alive and answering, so not <see cref="Unreachable"/>; a change of
    /// the body counts as progress, since nothing else can be read from it.
    /// </summary>
    public sealed record Unrecognised(string Body) : ServiceStatus;
}
