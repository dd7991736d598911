namespace PostFleet.Core.Planning;

/// <summary>Why a service is (or is not) doing what it does after this pass; shown to the user as it is.</summary>
public sealed record Decision(string ServiceName, DecisionCode Code, string Reason)
{
    public override string ToString() => $"{ServiceName}: {Code}: {Reason}";
}

/// <summary>One code per outcome of a pass for one service. Values are persisted: keep the numbers stable.</summary>
public enum DecisionCode
{
    /// <summary>Start emitted: the identity is PROVING and every constraint allows it.</summary>
    Start = 1,

    /// <summary>Running while the node wants it (PROVING) and not yet delivered.</summary>
    Proving = 2,

    /// <summary>Delivered but the node still says PROVING: wait for IDLE (never stop while PROVING).</summary>
    DeliveredWaitingForIdle = 3,

    /// <summary>The identity is IDLE; the run is stopped once idle-stop-grace has passed.</summary>
    IdleGrace = 4,

    /// <summary>Stop emitted (reason in the text and in the action).</summary>
    Stop = 5,

    /// <summary>A stop was asked for and the run has not exited yet.</summary>
    Stopping = 6,

    /// <summary>No progress for no-progress-timeout: stop emitted, a start follows on a later pass.</summary>
    NoProgress = 7,

    /// <summary>Not running and not needed: the identity is IDLE.</summary>
    Idle = 8,

    /// <summary>Not running; this round's proof is delivered.</summary>
    Done = 9,

    WaitingForDisk = 10,
    WaitingForPow = 11,
    WaitingForRunningSlot = 12,
    WaitingForDependency = 13,

    /// <summary>The run crashed while PROVING; restart after the backoff.</summary>
    BackingOff = 14,

    /// <summary>The node did not answer: nothing is started or stopped until it does.</summary>
    NodeUnreachable = 15,

    Paused = 16,
    SkippedThisEpoch = 17,

    /// <summary>The user forced a stop: stopped (or being stopped) and kept stopped.</summary>
    ForcedStop = 18,

    /// <summary>The node does not list this identity (key not in identities/, or node not restarted since).</summary>
    UnknownIdentity = 19,

    /// <summary>A run of a service that is not in the config: left alone (exited ones are forgotten).</summary>
    NotInConfig = 20,

    /// <summary>The node reported the run's proof failed and the run holds that failure (DoneProving): stop to restart.</summary>
    ProofFailed = 21,

    /// <summary>
    /// A k2pow slot is free now but reserved: a reading service's pass may end, and start its next pass with k2pow,
    /// before this one's k2pow would be over.
    /// </summary>
    WaitingForPowReserve = 22,

    /// <summary>
    /// The identity is IDLE but the run holds proving work (/status Proving or DoneProving) and nothing shows the node
    /// has the proof: kept. A restarted node lists every identity IDLE until its ATX sync is done, then asks again.
    /// </summary>
    KeptOnIdle = 23,

    /// <summary>As <see cref="KeptOnIdle"/>, while the planner saw the node restart (all IDLE at once, with corroboration).</summary>
    NodeRestarting = 24,

    /// <summary>This round's proof deadline passed without the node's proof: the run is stopped (stop emitted).</summary>
    MissedDeadline = 25,

    /// <summary>Not running; this round's proof was not delivered before its deadline (shown until the next round).</summary>
    Missed = 26,

    /// <summary>
    /// Predicted to finish after the proof deadline (its proof would be worth nothing): started last, only once no
    /// identity that can still make it is waiting.
    /// </summary>
    WillMissDeadline = 30,

    /// <summary>Predicted to miss the cycle gap but not the deadline: waits until every identity that can make the gap has started.</summary>
    WaitingForGapProofs = 31,

    /// <summary>
    /// The identity was already PROVING when the daemon first heard from the node, and the node's event replay after
    /// (re)subscribing is not read yet: it tells which round this is. Until then a start could serve a round whose
    /// deadline has passed and hold the disk from one that can still make it.
    /// </summary>
    AwaitingEventReplay = 55,

    /// <summary>
    /// Pipelined mode: a successor in its first pass, timed to a read whose pass then failed, is stopped (stop
    /// emitted) before it has read much: the failed pass reads all its data again, and beside it two readers would
    /// lose more than the successor's start-up and k2pow, which it does again once the disk frees up.
    /// </summary>
    YieldsDiskToReentry = 56,
}
