using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// Folds one pass's observations of a service into its memory: round changes, delivery (on evidence only: the
/// node's postComplete or the run's hand-over), progress, and the exit of a run (a crash, or the end of a stop we
/// asked for).
/// </summary>
internal static class Observations
{
    public static (ServiceMemory Memory, RuntimeInstance? Exited) Fold(
        ServiceSpec service, FleetSnapshot snapshot, ServiceMemory memory, ScheduleLimits limits, PostSettings post, DateTimeOffset now, int readersOnDisk = 0)
    {
        var m = FoldNodeState(service.Name, snapshot, memory, now);
        m = FoldEvents(service.Name, snapshot, m, now);
        m = FoldAnnouncedRound(snapshot, m);

        RuntimeInstance? exited = null;
        var run = snapshot.Runs.GetValueOrDefault(service.Name);
        if (run is null)
        {
            // The runtime no longer knows a run: a stop we asked for is over, progress belongs to no run.
            if (m.RunId is not null || m.Progress is not null || m.ProgressChangedAt is not null || m.StopRequestedAt is not null || m.StopRequestedFor is not null || m.RunHoldsWork)
            {
                m = m with { RunId = null, Progress = null, ProgressChangedAt = null, StopRequestedAt = null, StopRequestedFor = null, RunHoldsWork = false };
            }
        }
        else if (!run.Running)
        {
            exited = run;
            m = FoldExit(m, snapshot.Intents.ForcedStops.Contains(service.Name), limits, now);
        }
        else
        {
            m = FoldLiveRun(run, snapshot.StatusOf(service.Name), m, ServicePhases.DataBytes(service, post), now, readersOnDisk);
        }

        m = FoldHandOver(m);

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
            if (m.LastNodeState == NodePostState.Proving)
            {
                return m;
            }

            // A restarted node asks again for the round it had not been given (same challenge): the same round.
            return ResumesRound(m, snapshot, now)
                ? Resumed(m)
                : m.NewRound(now) with { LastNodeState = NodePostState.Proving, RoundInherited = m.LastNodeState is null, RoundPublishEpoch = m.RoundAnnouncedEpoch };
        }

        if (m.LastNodeState == NodePostState.Idle && m.IdleSince is not null)
        {
            return m; // still IDLE: nothing new
        }

        // PROVING → IDLE is no evidence of delivery: go-spacemesh sets every identity IDLE when it starts, and only asks
        // again after its ATX sync. The delivery is folded from the postComplete event or the run's hand-over.
        return m with { LastNodeState = NodePostState.Idle, IdleSince = m.IdleSince ?? now };
    }

    /// <summary>
    /// IDLE → PROVING continues a NiPoST round that was not delivered and whose deadline has not passed: a restarted
    /// node resumes it with the same challenge. Otherwise, or when that cannot be told (no timeline, no postStart
    /// seen, the initial PoST), a new round starts; that only resets this round's bookkeeping.
    /// </summary>
    private static bool ResumesRound(ServiceMemory m, FleetSnapshot snapshot, DateTimeOffset now) =>
        !m.Delivered && m.LastNodeState == NodePostState.Idle && ProofRound.Window(m, snapshot.Timeline) is { } window && now < window.ProofDeadline;

    /// <summary>The round the node asks for again: PROVING, with what was done for it kept.</summary>
    private static ServiceMemory Resumed(ServiceMemory m) => m with { LastNodeState = NodePostState.Proving, IdleSince = null };

    private static ServiceMemory FoldEvents(string name, FleetSnapshot snapshot, ServiceMemory m, DateTimeOffset now)
    {
        // The event stream replays old events on subscribe; only those of this round count, IDLE or PROVING (a
        // postComplete may arrive a pass after the IDLE).
        if (m.Id is not { } id || m.ProvingSince is not { } since)
        {
            return m;
        }

        if (ProofRound.Unknown(m))
        {
            m = InheritedRound(m, snapshot.NewEvents, id, since);
            since = m.ProvingSince ?? since;
        }

        // This round's events of the identity: the last postStart and postComplete, and whether a postFailed came.
        // One walk of the pass's events, no copies: every service of the fleet looks at them each pass.
        NodeEvent.PostStarted? started = null;
        NodeEvent.PostCompleted? completed = null;
        var failed = false;
        foreach (var e in snapshot.NewEvents)
        {
            if (e.Time < since || SmesherOf(e) != id)
            {
                continue;
            }

            switch (e)
            {
                case NodeEvent.PostStarted x:
                    started = x;
                    break;
                case NodeEvent.PostCompleted x:
                    completed = x;
                    break;
                case NodeEvent.PostFailed:
                    failed = true;
                    break;
            }
        }

        var askedAgain = started is not null && started.ChallengeHex == m.RoundChallengeHex;
        if (started is not null && !askedAgain)
        {
            m = m with { RoundChallengeHex = started.ChallengeHex };
        }

        if (m.Delivered)
        {
            return m;
        }

        if (completed is not null)
        {
            return m with { Delivered = true, DeliveredBy = DeliveryEvidence.PostComplete, RoundChallengeHex = completed.ChallengeHex };
        }

        // The node asks for this round again (a restarted node, once synced): it is PROVING, whatever the states this
        // pass took say, since they can be read before its postStart came. On that older IDLE, a run that hands its
        // held proof over at once would count as delivered and be stopped before the node has taken the proof.
        if (askedAgain && ResumesRound(m, snapshot, now))
        {
            m = Resumed(m);
        }

        // A failed proof while a run is live: remember the run (its start is before the event), see StopRules. A
        // hand-over seen before it did not reach the node.
        if (!failed)
        {
            return m;
        }

        m = m with { FailedThisRound = true, HandedOver = false };
        return snapshot.LiveRun(name) is { } run && run.StartedAt <= snapshot.ObservedAt
            ? m with { ProofFailedRunId = run.InstanceId }
            : m;
    }

    /// <summary>
    /// A round the node announced and has not asked for yet: the identity's latest poetWaitRound, poetWaitProof,
    /// postComplete or atxPublished since its last round began decides (go-spacemesh's order per round:
    /// poetWaitRound, poetWaitProof, PROVING, postStart, postComplete, atxPublished). A poetWaitProof announces the
    /// round; anything after it (a new registration, a proof, an ATX) says it is no longer to come. PROVING begins
    /// the round (<see cref="ServiceMemory.NewRound"/>), which clears it.
    /// </summary>
    private static ServiceMemory FoldAnnouncedRound(FleetSnapshot snapshot, ServiceMemory m)
    {
        if (m.Id is not { } id || snapshot.NewEvents.Count == 0)
        {
            return m;
        }

        var since = m.ProvingSince ?? DateTimeOffset.MinValue;
        NodeEvent? last = null;
        foreach (var e in snapshot.NewEvents)
        {
            if (e is NodeEvent.PoetWaitProof or NodeEvent.PoetWaitRound or NodeEvent.PostCompleted or NodeEvent.AtxPublished
                && e.Time >= since && SmesherOf(e) == id && (last is null || e.Time >= last.Time))
            {
                last = e;
            }
        }

        if (last is null)
        {
            return m;
        }

        var (until, epoch) = last is NodeEvent.PoetWaitProof wait ? (wait.Until, wait.Publish) : ((DateTimeOffset?)null, (uint?)null);
        return until == m.RoundAnnouncedUntil && epoch == m.RoundAnnouncedEpoch ? m : m with { RoundAnnouncedUntil = until, RoundAnnouncedEpoch = epoch };
    }

    /// <summary>
    /// A round already PROVING when the planner first heard from the node, named by the node's replay (its events
    /// from before the planner's first look; go-spacemesh's order per round: poetWaitRound, poetWaitProof, PROVING,
    /// postStart, postComplete, atxPublished). The last of them decides: a postStart not yet completed is this
    /// round (it began then); a poetWaitRound/poetWaitProof names its publish epoch, whose service never connected.
    /// A completed proof or a published ATX says nothing of the round asked for now, which stays unknown.
    /// </summary>
    private static ServiceMemory InheritedRound(ServiceMemory m, IReadOnlyList<NodeEvent> events, NodeId id, DateTimeOffset before)
    {
        // The latest of the identity's events before the round was seen (the last of equal times, as they came).
        NodeEvent? last = null;
        foreach (var e in events)
        {
            if (e.Time < before && e is not NodeEvent.PostFailed && SmesherOf(e) == id && (last is null || e.Time >= last.Time))
            {
                last = e;
            }
        }

        return last switch
        {
            NodeEvent.PostStarted started => m with { ProvingSince = started.Time, RoundChallengeHex = started.ChallengeHex },
            NodeEvent.PoetWaitProof wait => m with { RoundPublishEpoch = wait.Publish },
            NodeEvent.PoetWaitRound wait => m with { RoundPublishEpoch = wait.Publish },
            _ => m,
        };
    }

    /// <summary>Services reading each disk at this look (live, /status Proving past position 0), for <see cref="ReadSharing"/>.</summary>
    public static Dictionary<string, int> ReadersByDisk(FleetSpec spec, FleetSnapshot snapshot)
    {
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var service in spec.Services)
        {
            if (snapshot.LiveRun(service.Name) is not null && snapshot.StatusOf(service.Name) is ServiceStatus.Proving { InK2Pow: false })
            {
                readers[service.Disk] = readers.GetValueOrDefault(service.Disk) + 1;
            }
        }

        return readers;
    }

    private static NodeId? SmesherOf(NodeEvent e) => e switch
    {
        NodeEvent.PostStarted x => x.Smesher,
        NodeEvent.PostCompleted x => x.Smesher,
        NodeEvent.PostFailed x => x.Smesher,
        NodeEvent.PoetWaitRound x => x.Smesher,
        NodeEvent.PoetWaitProof x => x.Smesher,
        NodeEvent.AtxPublished x => x.Smesher,
        _ => null,
    };

    /// <summary>
    /// The run's hand-over counts as delivery only while the identity is IDLE: a PROVING node that got a proof which
    /// failed verification asks again, and the service, Idle, starts over.
    /// </summary>
    private static ServiceMemory FoldHandOver(ServiceMemory m) =>
        m.HandedOver && !m.Delivered && m.LastNodeState == NodePostState.Idle && m.ProvingSince is not null
            ? m with { Delivered = true, DeliveredBy = DeliveryEvidence.HandedOver }
            : m;

    private static ServiceMemory FoldExit(ServiceMemory m, bool forcedByUser, ScheduleLimits limits, DateTimeOffset now)
    {
        var crashed = m.StopRequestedAt is null && !forcedByUser && m.LastNodeState == NodePostState.Proving && !m.Delivered;
        if (crashed)
        {
            var attempt = m.Restarts + 1;
            m = m with { Restarts = attempt, BackoffUntil = now + limits.RestartBackoff(attempt) };
        }

        return m with { RunId = null, Progress = null, ProgressChangedAt = null, StopRequestedAt = null, StopRequestedFor = null, RunHoldsWork = false };
    }

    private static ServiceMemory FoldLiveRun(RuntimeInstance run, ServiceStatus? status, ServiceMemory m, ulong dataBytes, DateTimeOffset now, int readersOnDisk)
    {
        if (run.InstanceId != m.RunId)
        {
            // A run we have not seen before (just started, or adopted after a daemon restart): its progress clock
            // starts now, not at its start time, so an adopted run is never judged on time we did not watch.
            m = m with { RunId = run.InstanceId, Progress = null, ProgressChangedAt = now, StopRequestedAt = null, StopRequestedFor = null, ReadStartedAt = null, K2PowSeenAt = null, PassRead = null, PassK2Pow = null, RunHoldsWork = false };
        }

        // post-service forgets a finished proof only when the node fetches it: holding work, then Idle, is a hand-over.
        var holds = ProofRound.HoldsWork(status, m);
        if (m.RunHoldsWork && !holds && m.ProvingSince is not null)
        {
            m = m with { HandedOver = true };
        }

        if (holds != m.RunHoldsWork)
        {
            m = m with { RunHoldsWork = holds };
        }

        m = PassLearning.FoldStatus(status, m, dataBytes, now, readersOnDisk);

        m = PassLearning.FoldFirstPass(status, m, run, now);

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
