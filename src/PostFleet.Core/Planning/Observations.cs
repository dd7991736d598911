using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// Folds one pass's observations of a service into its memory: round changes, delivery, progress, and the exit
/// of a run (a crash, or the end of a stop we asked for).
/// </summary>
internal static class Observations
{
    public static (ServiceMemory Memory, RuntimeInstance? Exited) Fold(
        ServiceSpec service, FleetSnapshot snapshot, ServiceMemory memory, ScheduleLimits limits, PostSettings post, DateTimeOffset now)
    {
        var m = FoldNodeState(service.Name, snapshot, memory, now);
        m = FoldEvents(service.Name, snapshot, m);

        RuntimeInstance? exited = null;
        var run = snapshot.Runs.GetValueOrDefault(service.Name);
        if (run is null)
        {
            // The runtime no longer knows a run: a stop we asked for is over, progress belongs to no run.
            if (m.RunId is not null || m.Progress is not null || m.ProgressChangedAt is not null || m.StopRequestedAt is not null || m.StopRequestedFor is not null)
            {
                m = m with { RunId = null, Progress = null, ProgressChangedAt = null, StopRequestedAt = null, StopRequestedFor = null };
            }
        }
        else if (!run.Running)
        {
            exited = run;
            m = FoldExit(m, snapshot.Intents.ForcedStops.Contains(service.Name), limits, now);
        }
        else
        {
            m = FoldLiveRun(run, snapshot.StatusOf(service.Name), m, ServicePhases.DataBytes(service, post), now);
        }

        m = PassLearning.FoldDelivery(memory, m);

        // A run that delivered proved the service healthy: the next crash starts from the initial backoff.
        return (m.Delivered && (m.Restarts != 0 || m.BackoffUntil is not null) ? m with { Restarts = 0, BackoffUntil = null } : m, exited);
    }

    private static ServiceMemory FoldNodeState(string name, FleetSnapshot snapshot, ServiceMemory m, DateTimeOffset now)
    {
        if (!snapshot.NodeReachable || !snapshot.Identities.TryGetValue(name, out var identity))
        {
            return m; // nothing new about the identity: keep what was last known
        }

        if (m.Id != identity.Id)
        {
            m = m with { Id = identity.Id };
        }

        if (identity.State == NodePostState.Proving)
        {
            return m.LastNodeState == NodePostState.Proving ? m : m.NewRound(now) with { LastNodeState = NodePostState.Proving };
        }

        // PROVING → IDLE while our service ran: the node only turns IDLE after it received the proof
        // (or after giving up on a stale challenge, in which case there is nothing left to prove either).
        if (m.LastNodeState == NodePostState.Idle && m.IdleSince is not null)
        {
            return m; // still IDLE: nothing new
        }

        // Not after a failure the node reported in this round (a missed deadline also turns it IDLE), unless its
        // postComplete arrives with the IDLE (events are only folded while PROVING, see FoldEvents).
        var deliveredNow = m.LastNodeState == NodePostState.Proving && (m.RanThisRound || snapshot.LiveRun(name) is not null)
            && (!(m.FailedThisRound || FailedIn(snapshot, identity.Id, m.ProvingSince)) || CompletedIn(snapshot, identity.Id, m.ProvingSince));
        return m with
        {
            LastNodeState = NodePostState.Idle,
            Delivered = m.Delivered || deliveredNow,
            IdleSince = m.IdleSince ?? now,
        };
    }

    private static ServiceMemory FoldEvents(string name, FleetSnapshot snapshot, ServiceMemory m)
    {
        // The event stream replays old events on subscribe; only a postComplete from this round counts.
        if (m.Id is not { } id || m.ProvingSince is not { } since || m.LastNodeState != NodePostState.Proving)
        {
            return m;
        }

        var delivered = snapshot.NewEvents.OfType<NodeEvent.PostCompleted>().Any(e => e.Smesher == id && e.Time >= since);
        if (delivered)
        {
            return m with { Delivered = true };
        }

        // A failed proof while a run is live: remember the run (its start is before the event), see StopRules.
        if (!FailedIn(snapshot, id, since))
        {
            return m;
        }

        m = m with { FailedThisRound = true };
        return snapshot.LiveRun(name) is { } run && run.StartedAt <= snapshot.ObservedAt
            ? m with { ProofFailedRunId = run.InstanceId }
            : m;
    }

    private static bool FailedIn(FleetSnapshot snapshot, NodeId id, DateTimeOffset? since) =>
        since is { } from && snapshot.NewEvents.OfType<NodeEvent.PostFailed>().Any(e => e.Smesher == id && e.Time >= from);

    private static bool CompletedIn(FleetSnapshot snapshot, NodeId id, DateTimeOffset? since) =>
        since is { } from && snapshot.NewEvents.OfType<NodeEvent.PostCompleted>().Any(e => e.Smesher == id && e.Time >= from);

    private static ServiceMemory FoldExit(ServiceMemory m, bool forcedByUser, ScheduleLimits limits, DateTimeOffset now)
    {
        var crashed = m.StopRequestedAt is null && !forcedByUser && m.LastNodeState == NodePostState.Proving && !m.Delivered;
        if (crashed)
        {
            var attempt = m.Restarts + 1;
            m = m with { Restarts = attempt, BackoffUntil = now + limits.RestartBackoff(attempt) };
        }

        return m with { RunId = null, Progress = null, ProgressChangedAt = null, StopRequestedAt = null, StopRequestedFor = null };
    }

    private static ServiceMemory FoldLiveRun(RuntimeInstance run, ServiceStatus? status, ServiceMemory m, ulong dataBytes, DateTimeOffset now)
    {
        if (run.InstanceId != m.RunId)
        {
            // A run we have not seen before (just started, or adopted after a daemon restart): its progress clock
            // starts now, not at its start time, so an adopted run is never judged on time we did not watch.
            m = m with { RunId = run.InstanceId, Progress = null, ProgressChangedAt = now, StopRequestedAt = null, StopRequestedFor = null, ReadStartedAt = null, PassRead = null, PassK2Pow = null };
        }

        m = PassLearning.FoldStatus(status, m, dataBytes, now);

        // The first pass seen reading ends this run's first k2pow: measured only for a run started in this round (an
        // adopted run's start is not ours to time); later passes' k2pow is timed by PassLearning.
        if (status is ServiceStatus.Proving { InK2Pow: false, NonceStart: 0 } && m.ReadStartedAt is null && !m.Delivered
            && m.ProvingSince is { } since && run.StartedAt >= since)
        {
            m = m with { ReadStartedAt = now, LastK2Pow = now - run.StartedAt };
        }

        if (m.LastNodeState == NodePostState.Proving && !m.RanThisRound)
        {
            m = m with { RanThisRound = true };
        }

        if (ProgressMark.Of(status) is { } mark && mark != m.Progress)
        {
            var moved = m.Progress is not null;
            m = m with { Progress = mark, ProgressChangedAt = now, Restarts = moved ? 0 : m.Restarts };
        }

        return m;
    }
}
