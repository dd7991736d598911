using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// The PoW prover every new proof is built with, before its first reply. post-rs builds it in the Idle branch of
/// <c>PostService::gen_proof</c> (service/src/service.rs) while holding the proof-generation mutex that
/// <c>status</c> also takes, and drops it with the proving thread, so each proof pays the build again:
/// <c>PoW::new</c> (src/pow/randomx.rs) fills the 2 GiB dataset in fast mode and only the cache in light mode;
/// with <c>--remote-k2pow</c> the prover is an HTTP client and nothing is built.
/// </summary>
public sealed record RandomXSetup(string Mode, TimeSpan Duration)
{
    /// <summary>The build this service pays per proof; null when there is none (remote k2pow).</summary>
    public static RandomXSetup? Of(PostServiceOptions options, HostProfile host)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        if (options.RemoteK2pow is not null)
        {
            return null;
        }

        var fast = options.RandomxMode == "Fast";
        var seconds = fast ? host.RandomXFastSetupSeconds : host.RandomXLightSetupSeconds;
        return new RandomXSetup(fast ? "fast" : "light", TimeSpan.FromSeconds(seconds));
    }
}
