using PostFleet.Core.Model;
using PostFleet.Core.Timeline;

namespace PostFleet.Core.Planning;

/// <summary>Facts about a service's proving round that the fold and the stop rules share.</summary>
internal static class ProofRound
{
    /// <summary>
    /// The cycle gap whose proof this round is, and so its deadline (go-spacemesh gives Proof a context that ends with
    /// the publish epoch). Null when unknown: no timeline yet, no postStart seen in this round (the challenge tells a
    /// NiPoST from the initial PoST), or the initial PoST, which has no deadline. An inherited round whose service
    /// never connected is known by the publish epoch the node's replayed PoET events named.
    /// </summary>
    public static CycleGapWindow? Window(ServiceMemory m, NetworkTimeline? timeline) => timeline switch
    {
        null => null,
        _ when m.ProvingSince is { } since && m.RoundChallengeHex is { } challenge => IsInitial(challenge) ? null : timeline.ProvingCycleGap(since),
        _ when m.RoundPublishEpoch is { } publish and > 0 => timeline.CycleGap(publish),
        _ => null,
    };

    /// <summary>Which round this is cannot be told yet: inherited from before the planner's first look, and nothing replayed named it.</summary>
    public static bool Unknown(ServiceMemory m) => m.RoundInherited && m.RoundChallengeHex is null && m.RoundPublishEpoch is null;

    public static bool DeadlinePassed(ServiceMemory m, NetworkTimeline? timeline, DateTimeOffset now) =>
        !m.Delivered && Window(m, timeline) is { } window && now >= window.ProofDeadline;

    /// <summary>The initial PoST's challenge is 32 zero bytes.</summary>
    public static bool IsInitial(string challengeHex) => challengeHex.All(c => c == '0');

    /// <summary>
    /// The run has work a stop would throw away: /status Proving (k2pow or read) or DoneProving; when /status does
    /// not answer, what it last showed.
    /// </summary>
    public static bool HoldsWork(ServiceStatus? status, ServiceMemory m) => status switch
    {
        ServiceStatus.Proving or ServiceStatus.DoneProving => true,
        ServiceStatus.Idle => false,
        _ => m.RunHoldsWork,
    };
}
