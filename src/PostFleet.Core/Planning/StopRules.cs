using System.Globalization;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Timeline;

namespace PostFleet.Core.Planning;

/// <summary>Everything the stop rules look at for one live run in one pass.</summary>
internal sealed record LiveRunContext(
    ServiceSpec Service, RuntimeInstance Run, FleetSnapshot Snapshot, ServiceMemory Memory, ScheduleLimits Limits, DateTimeOffset Now)
{
    public string Name => Service.Name;

    public NodePostState? State => Snapshot.NodeStateOf(Name);

    public ServiceStatus? Status => Snapshot.StatusOf(Name);

    /// <summary>This round's cycle gap (its deadline) when it can be told; see <see cref="ProofRound.Window"/>.</summary>
    public CycleGapWindow? Round => ProofRound.Window(Memory, Snapshot.Timeline);

    /// <summary>The node restart being ridden out, if the planner saw one (set before the rules run).</summary>
    public NodeRestart? Restart { get; init; }
}

/// <summary>What the stop rules decided for a live run: maybe a stop, always a decision, and the memory after it.</summary>
internal readonly record struct LiveRunOutcome(PlannedAction? Action, Decision Decision, ServiceMemory Memory);

/// <summary>
/// What to do with a service that has a live run, as small predicates in order: the first that decides is the
/// outcome. The rule that matters most: never throw away proving work the node still wants (post-service has no
/// signal handler, so a stop loses it all). While the identity is PROVING a run is stopped only when the user
/// forces it, it is hung (no progress for no-progress-timeout), the round's deadline has passed, or it holds a
/// failed proof. An IDLE identity is not enough either: a restarted node lists every identity IDLE until its ATX
/// sync is done, then asks for the same challenge again. A run that holds work (/status Proving or DoneProving) is
/// stopped on IDLE only with evidence that the node has the proof (its postComplete, the run's hand-over), when
/// the deadline has passed, or when it is hung.
/// </summary>
internal static class StopRules
{
    private static readonly Func<LiveRunContext, LiveRunOutcome?>[] InOrder =
    [
        NodeAnswers, StopInFlight, ForcedByUser, IdentityListed,
        HungWhileProving, DeadlinePassedWhileProving, StickyProofError, WantedByNode,
        DeliveredIdle, NothingInProgress, DeadlinePassedIdle, HungIdle, KeptForTheNode,
    ];

    public static LiveRunOutcome ForLiveRun(LiveRunContext context)
    {
        foreach (var rule in InOrder)
        {
            if (rule(context) is { } outcome)
            {
                return outcome;
            }
        }

        throw new InvalidOperationException("the last stop rule always decides");
    }

    private static LiveRunOutcome? NodeAnswers(LiveRunContext c) =>
        c.Snapshot.NodeReachable ? null : Keep(c, DecisionCode.NodeUnreachable, "holding: running; the node does not answer, so nothing is stopped");

    private static LiveRunOutcome? StopInFlight(LiveRunContext c) =>
        c.Memory.StopRequestedAt is { } asked && c.Now - asked < RestopAfter(c.Limits)
            ? Keep(c, DecisionCode.Stopping, $"stopping ({c.Memory.StopRequestedFor}): asked at {Clock(asked)}, waiting for the run to exit")
            : null;

    private static LiveRunOutcome? ForcedByUser(LiveRunContext c) =>
        c.Snapshot.Intents.ForcedStops.Contains(c.Name)
            ? Stop(c, c.Memory, StopReason.UserForced, force: true, DecisionCode.ForcedStop,
                $"stop forced by the user{(c.State == NodePostState.Proving ? " while PROVING: its proving progress is lost" : "")}")
            : null;

    private static LiveRunOutcome? IdentityListed(LiveRunContext c) =>
        c.State is null ? Keep(c, DecisionCode.UnknownIdentity, $"running, but the node does not list identity {c.Name}; left running (never stopped without the node's word)") : null;

    private static LiveRunOutcome? HungWhileProving(LiveRunContext c)
    {
        if (c.State != NodePostState.Proving || !IsHung(c.Status, c.Memory, c.Limits, c.Now))
        {
            return null;
        }

        var attempt = c.Memory.Restarts + 1;
        var next = c.Memory with { Restarts = attempt, BackoffUntil = c.Now + c.Limits.RestartBackoff(attempt) };
        return Stop(c, next, StopReason.NoProgress, force: false, DecisionCode.NoProgress,
            $"no progress for {Durations.Format(c.Now - c.Memory.ProgressChangedAt!.Value)} (no-progress-timeout {Durations.Format(c.Limits.NoProgressTimeout)}): stopping to restart; a hung service has nothing to lose");
    }

    /// <summary>After the deadline the node has given up on this proof (its Proof context ended): nothing is lost.</summary>
    private static LiveRunOutcome? DeadlinePassedWhileProving(LiveRunContext c) =>
        c.State == NodePostState.Proving && !c.Memory.Delivered && c.Round is { } round && c.Now >= round.ProofDeadline
            ? Stop(c, c.Memory with { ProofFailedRunId = null }, StopReason.MissedDeadline, force: false, DecisionCode.MissedDeadline, MissedText(round, c.Memory))
            : null;

    private static LiveRunOutcome? StickyProofError(LiveRunContext c)
    {
        if (c.State != NodePostState.Proving || !HoldsFailedProof(c.Status, c.Run, c.Memory))
        {
            return null;
        }

        var attempt = c.Memory.Restarts + 1;
        var next = c.Memory with { Restarts = attempt, BackoffUntil = c.Now + c.Limits.RestartBackoff(attempt), ProofFailedRunId = null };
        return Stop(c, next, StopReason.ProofFailed, force: false, DecisionCode.ProofFailed,
            "the node reported this run's proof as failed before the deadline and the run still says DoneProving (a sticky proving error): stopping to restart; it has no proof to lose");
    }

    private static LiveRunOutcome? WantedByNode(LiveRunContext c) =>
        c.State != NodePostState.Proving ? null
        : c.Memory.Delivered ? Keep(c, DecisionCode.DeliveredWaitingForIdle, "delivered; waiting for the node to report IDLE (never stopped while PROVING)")
        : Keep(c, DecisionCode.Proving, RunStartup.IsStartingUp(c.Run, c.Status, c.Memory, c.Now) ? StartingUp(c) : Describe(c.Status));

    // From here on the identity is IDLE.
    private static LiveRunOutcome? DeliveredIdle(LiveRunContext c) =>
        c.Memory.Delivered
            ? AfterIdleGrace(c, StopReason.Delivered, $"stop: delivered ({Evidence(c.Memory.DeliveredBy)}) and the identity is IDLE")
            : null;

    private static LiveRunOutcome? NothingInProgress(LiveRunContext c) =>
        ProofRound.HoldsWork(c.Status, c.Memory)
            ? null
            : AfterIdleGrace(c, StopReason.NotNeeded, "stop: the identity is IDLE and the run holds no proving work");

    private static LiveRunOutcome? DeadlinePassedIdle(LiveRunContext c) =>
        c.Round is { } round && c.Now >= round.ProofDeadline
            ? Stop(c, c.Memory with { ProofFailedRunId = null }, StopReason.MissedDeadline, force: false, DecisionCode.MissedDeadline, MissedText(round, c.Memory))
            : null;

    /// <summary>
    /// IDLE and flat for the timeout: hung, or a finished proof nobody fetches. DoneProving counts here (unlike
    /// while PROVING): the node has not asked for it for that long, and without a known deadline this is the bound.
    /// </summary>
    private static LiveRunOutcome? HungIdle(LiveRunContext c) =>
        c.Limits.NoProgressTimeout > TimeSpan.Zero && c.Memory.ProgressChangedAt is { } changed && c.Now - changed >= c.Limits.NoProgressTimeout
            ? Stop(c, c.Memory, StopReason.NoProgress, force: false, DecisionCode.NoProgress,
                $"identity IDLE and the run made no progress for {Durations.Format(c.Now - changed)} (no-progress-timeout {Durations.Format(c.Limits.NoProgressTimeout)}): stopping")
            : null;

    private static LiveRunOutcome? KeptForTheNode(LiveRunContext c)
    {
        var until = c.Round is { } round ? $"the deadline {Clock(round.ProofDeadline)} (publish epoch {round.PublishEpoch})" : "no-progress-timeout (no deadline known)";
        var work = Work(c.Status);
        return c.Restart is { } restart
            ? Keep(c, DecisionCode.NodeRestarting, $"{restart.Describe()}; identity IDLE since {Clock(restart.Since)}, run kept with its work ({work}) until the node asks again, its postComplete, or {until}")
            : Keep(c, DecisionCode.KeptOnIdle, $"identity IDLE but the run holds proving work ({work}): kept (node restarting or syncing?) until this round's postComplete, the proof's hand-over, or {until}");
    }

    /// <summary>
    /// Hung: PROVING, not delivered, not holding a finished proof, and /status progress flat for the timeout.
    /// A DoneProving service is never hung: it holds the proof the node is about to fetch.
    /// </summary>
    public static bool IsHung(ServiceStatus? status, ServiceMemory m, ScheduleLimits limits, DateTimeOffset now) =>
        limits.NoProgressTimeout > TimeSpan.Zero
        && !m.Delivered
        && status is not ServiceStatus.DoneProving
        && m.ProgressChangedAt is { } changed
        && now - changed >= limits.NoProgressTimeout;

    /// <summary>
    /// post-service keeps a failed proof (Done(Err)) forever and answers ERROR to every GenProof, while /status says
    /// DoneProving: the node retries each layer and never gets a proof. Recognised by the node's postComplete
    /// failure=true for this very run while it is DoneProving and nothing was delivered. The event's help text is a
    /// constant ("Node failed PoST execution."): why it failed comes from this evidence, or from the deadline.
    /// </summary>
    public static bool HoldsFailedProof(ServiceStatus? status, RuntimeInstance run, ServiceMemory m) =>
        !m.Delivered && status is ServiceStatus.DoneProving && m.ProofFailedRunId == run.InstanceId;

    /// <summary>A stop the runtime has not carried out by then (grace plus a margin) is asked again.</summary>
    public static TimeSpan RestopAfter(ScheduleLimits limits) => (limits.StopGrace * 2) + TimeSpan.FromSeconds(5);

    /// <summary>The words for a round whose deadline passed without the node's proof (decision, history, view).</summary>
    public static string MissedText(CycleGapWindow round, ServiceMemory m) =>
        $"missed the deadline: publish epoch {round.PublishEpoch} ended at {Clock(round.ProofDeadline)} without the node's proof{(m.FailedThisRound ? " (its failure event came from the deadline, not a proving error)" : "")}; the node no longer takes it, so stopping loses nothing";

    private static LiveRunOutcome AfterIdleGrace(LiveRunContext c, StopReason reason, string text)
    {
        var due = (c.Memory.IdleSince ?? c.Now) + c.Limits.IdleStopGrace;
        return c.Now < due
            ? Keep(c, DecisionCode.IdleGrace, $"identity IDLE; stopping at {Clock(due)} (idle-stop-grace {Durations.Format(c.Limits.IdleStopGrace)})")
            : Stop(c, c.Memory, reason, force: false, DecisionCode.Stop, text);
    }

    private static LiveRunOutcome Keep(LiveRunContext c, DecisionCode code, string text) => new(null, new Decision(c.Name, code, text), c.Memory);

    private static LiveRunOutcome Stop(LiveRunContext c, ServiceMemory m, StopReason reason, bool force, DecisionCode code, string text) =>
        new(new PlannedAction.StopService(c.Name, reason, force, c.Run), new Decision(c.Name, code, text), m with { StopRequestedAt = c.Now, StopRequestedFor = reason });

    private static string Evidence(DeliveryEvidence? evidence) => evidence switch
    {
        DeliveryEvidence.HandedOver => "the run handed its proof over",
        _ => "the node's postComplete",
    };

    private static string Work(ServiceStatus? status) => status switch
    {
        ServiceStatus.Proving { InK2Pow: true } p => $"k2pow for nonces {p.NonceStart}..{p.NonceEnd}",
        ServiceStatus.Proving p => $"reading, {p.Position / (1024.0 * 1024.0):0.#} MiB into the pass for nonces {p.NonceStart}..{p.NonceEnd}",
        ServiceStatus.DoneProving => "a finished proof the node has not fetched",
        _ => "/status does not answer; it last showed proving work",
    };

    /// <summary>Keeps "/status does not answer" in the words: a silent operator endpoint reads the same until the allowance ends.</summary>
    private static string StartingUp(LiveRunContext c) =>
        $"proving: starting up; /status does not answer yet ({(c.Status as ServiceStatus.Unreachable)?.Reason}): post-service holds it while it builds its RandomX prover (fast mode: a minute or more), read as start-up until {Clock(c.Run.StartedAt + RunStartup.Allowance(c.Memory))}";

    private static string Describe(ServiceStatus? status) => status switch
    {
        ServiceStatus.Proving { InK2Pow: true } p => $"proving: k2pow for nonces {p.NonceStart}..{p.NonceEnd}",
        ServiceStatus.Proving p => $"proving: reading PoST data, {p.Position / (1024.0 * 1024.0):0.#} MiB into the pass for nonces {p.NonceStart}..{p.NonceEnd}",
        ServiceStatus.DoneProving => "proving: proof ready, the node is fetching it",
        ServiceStatus.Idle => "proving: started, waiting for the node's proof request",
        ServiceStatus.Unreachable u => $"proving: /status does not answer ({u.Reason})",
        ServiceStatus.Unrecognised u => $"proving: /status answers with a body this PostFleet does not know (a newer post-service?): {u.Body}",
        _ => "proving: no /status yet",
    };

    private static string Clock(DateTimeOffset time) => time.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
