using System.Globalization;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// What to do with a service that has a live run. The rule that matters most: never stop while the node reports
/// the identity PROVING (post-service has no signal handler, so a stop loses all proving progress). Two
/// exceptions, both explicit: the user forces it, or the service is hung (no progress for no-progress-timeout,
/// so there is no progress to lose).
/// </summary>
internal static class StopRules
{
    public static (PlannedAction? Action, Decision Decision, ServiceMemory Memory) ForLiveRun(
        ServiceSpec service, RuntimeInstance run, FleetSnapshot snapshot, ServiceMemory m, ScheduleLimits limits, DateTimeOffset now)
    {
        var name = service.Name;
        if (!snapshot.NodeReachable)
        {
            return (null, new(name, DecisionCode.NodeUnreachable, "holding: running; the node does not answer, so nothing is stopped"), m);
        }

        if (m.StopRequestedAt is { } asked && now - asked < RestopAfter(limits))
        {
            return (null, new(name, DecisionCode.Stopping, $"stopping ({m.StopRequestedFor}): asked at {Clock(asked)}, waiting for the run to exit"), m);
        }

        var state = snapshot.NodeStateOf(name);
        if (snapshot.Intents.ForcedStops.Contains(name))
        {
            var note = state == NodePostState.Proving ? " while PROVING: its proving progress is lost" : "";
            return Stop(name, run, m, StopReason.UserForced, force: true, DecisionCode.ForcedStop, $"stop forced by the user{note}", now);
        }

        if (state is null)
        {
            return (null, new(name, DecisionCode.UnknownIdentity, $"running, but the node does not list identity {name}; left running (never stopped without the node's word)"), m);
        }

        var status = snapshot.StatusOf(name);
        if (state == NodePostState.Proving)
        {
            if (IsHung(status, m, limits, now))
            {
                var attempt = m.Restarts + 1;
                var next = m with { Restarts = attempt, BackoffUntil = now + limits.RestartBackoff(attempt) };
                var flat = now - m.ProgressChangedAt!.Value;
                return Stop(name, run, next, StopReason.NoProgress, force: false, DecisionCode.NoProgress,
                    $"no progress for {Durations.Format(flat)} (no-progress-timeout {Durations.Format(limits.NoProgressTimeout)}): stopping to restart; a hung service has nothing to lose", now);
            }

            if (HoldsFailedProof(status, run, m))
            {
                var attempt = m.Restarts + 1;
                var next = m with { Restarts = attempt, BackoffUntil = now + limits.RestartBackoff(attempt), ProofFailedRunId = null };
                return Stop(name, run, next, StopReason.ProofFailed, force: false, DecisionCode.ProofFailed,
                    "the node reported this run's proof as failed and it still says DoneProving (a sticky proving error): stopping to restart; it has no proof to lose", now);
            }

            return m.Delivered
                ? (null, new(name, DecisionCode.DeliveredWaitingForIdle, "delivered; waiting for the node to report IDLE (never stopped while PROVING)"), m)
                : (null, new(name, DecisionCode.Proving, Describe(status)), m);
        }

        var due = (m.IdleSince ?? now) + limits.IdleStopGrace;
        if (now < due)
        {
            return (null, new(name, DecisionCode.IdleGrace, $"identity IDLE; stopping at {Clock(due)} (idle-stop-grace {Durations.Format(limits.IdleStopGrace)})"), m);
        }

        return m.Delivered
            ? Stop(name, run, m, StopReason.Delivered, force: false, DecisionCode.Stop, "stop: delivered and the identity is IDLE", now)
            : Stop(name, run, m, StopReason.NotNeeded, force: false, DecisionCode.Stop, "stop: the identity is IDLE and the node does not need this service", now);
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
    /// failure=true for this very run while it is DoneProving and nothing was delivered.
    /// </summary>
    public static bool HoldsFailedProof(ServiceStatus? status, RuntimeInstance run, ServiceMemory m) =>
        !m.Delivered && status is ServiceStatus.DoneProving && m.ProofFailedRunId == run.InstanceId;

    /// <summary>A stop the runtime has not carried out by then (grace plus a margin) is asked again.</summary>
    public static TimeSpan RestopAfter(ScheduleLimits limits) => (limits.StopGrace * 2) + TimeSpan.FromSeconds(5);

    private static (PlannedAction?, Decision, ServiceMemory) Stop(
        string name, RuntimeInstance run, ServiceMemory m, StopReason reason, bool force, DecisionCode code, string text, DateTimeOffset now) =>
        (new PlannedAction.StopService(name, reason, force, run), new Decision(name, code, text), m with { StopRequestedAt = now, StopRequestedFor = reason });

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
