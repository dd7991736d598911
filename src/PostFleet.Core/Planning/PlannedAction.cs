using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>What the loop should do after a pass. Actions are idempotent: the next pass observes their effect.</summary>
public abstract record PlannedAction(string ServiceName)
{
    /// <summary>Start the service's post-service (the loop builds the launch from the spec).</summary>
    public sealed record StartService(string ServiceName) : PlannedAction(ServiceName);

    /// <summary>
    /// Stop <paramref name="Run"/>. <paramref name="Force"/> marks a stop the user forced while the node wanted the
    /// identity PROVING: the one case where the never-stop-while-PROVING rule is overridden by a person.
    /// </summary>
    public sealed record StopService(string ServiceName, StopReason Reason, bool Force, RuntimeInstance Run) : PlannedAction(ServiceName);

    /// <summary>The run has exited and its exit was taken into account: tell the runtime to drop it.</summary>
    public sealed record ForgetRun(RuntimeInstance Instance) : PlannedAction(Instance.ServiceName);
}

/// <summary>Why a service is stopped. Values are persisted: keep the numbers stable.</summary>
public enum StopReason
{
    /// <summary>The node has the proof and reports the identity IDLE.</summary>
    Delivered = 1,

    /// <summary>The identity is IDLE and this run did not deliver anything in this round (e.g. adopted, or the round ended).</summary>
    NotNeeded = 2,

    /// <summary>PROVING but /status has not moved for no-progress-timeout: a hung service has no progress to lose.</summary>
    NoProgress = 3,

    /// <summary>The user asked for it.</summary>
    UserForced = 4,

    /// <summary>PROVING, the node reported the proof failed and the run still says DoneProving: a sticky error.</summary>
    ProofFailed = 5,

    /// <summary>The round's proof deadline passed without the node's proof: the node no longer takes it.</summary>
    MissedDeadline = 6,

    /// <summary>
    /// Pipelined mode: PROVING, in its first pass with little read, while the disk's reader re-entered k2pow after a
    /// failed pass: it gives the disk back rather than read beside that pass's reread (<see cref="ReentryYield"/>).
    /// </summary>
    YieldsDiskToReentry = 7,
}
