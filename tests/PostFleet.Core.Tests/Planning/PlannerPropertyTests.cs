using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// The safety rules of design.md, checked on thousands of random inputs (fixed seeds, so a failure reproduces:
/// the message names the seed and the case).
/// </summary>
public class PlannerPropertyTests
{
    private const int CasesPerSeed = 2000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(20240308)]
    public void Safety_rules_hold_on_random_snapshots(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < CasesPerSeed; i++)
        {
            var input = RandomCase.Draw(random);
            var plan = Planner.Decide(input.Spec, input.Snapshot, input.Memory, input.Now);
            var broken = SafetyRules.Check(input, plan).ToList();
            Assert.True(broken.Count == 0, $"seed {seed}, case {i}: {string.Join("; ", broken)}\nactions: {string.Join(", ", plan.Actions)}");
        }
    }

    [Fact]
    public void The_random_cases_reach_every_kind_of_action()
    {
        var random = new Random(7);
        var seen = new HashSet<string>();
        for (var i = 0; i < CasesPerSeed; i++)
        {
            var input = RandomCase.Draw(random);
            var plan = Planner.Decide(input.Spec, input.Snapshot, input.Memory, input.Now);
            foreach (var action in plan.Actions)
            {
                seen.Add(action is PlannedAction.StopService stop ? $"Stop{stop.Reason}" : action.GetType().Name);
            }

            foreach (var decision in plan.Decisions)
            {
                seen.Add(decision.Code.ToString());
            }
        }

        // A property that holds because its case never comes up proves nothing: make sure they all do.
        string[] expected =
        [
            "StartService", "ForgetRun", "StopDelivered", "StopNotNeeded", "StopNoProgress", "StopUserForced", "StopProofFailed", "StopMissedDeadline",
            .. Enum.GetNames<DecisionCode>().Except(PipelinedOnly),
        ];
        Assert.Empty(expected.Except(seen));
    }

    /// <summary>
    /// While every running slot, or every (local) k2pow slot, is taken the planner skips ordering the waiting services
    /// (nothing can start, so no blocker depends on the order): its plan must be the one the ordered queue gives, action
    /// for action, decision for decision (code and text), memory, requeue and the estimates handed to the listeners,
    /// in both modes; and both full cases must come up.
    /// </summary>
    [Theory]
    [InlineData(4, ScheduleMode.Exclusive)]
    [InlineData(5, ScheduleMode.Pipelined)]
    public void While_no_start_can_happen_the_unordered_queue_plans_as_the_ordered_one(int seed, ScheduleMode mode)
    {
        var random = new Random(seed);
        var (runningFull, powFull) = (0, 0);
        for (var i = 0; i < CasesPerSeed; i++)
        {
            var input = RandomCase.Draw(random);
            var spec = input.Spec with { Schedule = input.Spec.Schedule with { Mode = mode } };
            var plan = Planner.Decide(spec, input.Snapshot, input.Memory, input.Now);
            var ordered = Planner.Decide(spec, input.Snapshot, input.Memory, input.Now, alwaysOrder: true);
            Assert.True(Describe(ordered) == Describe(plan), $"seed {seed}, case {i}:\nordered:\n{Describe(ordered)}\nunordered:\n{Describe(plan)}");
            runningFull += plan.Decisions.Any(d => d.Code == DecisionCode.WaitingForRunningSlot) ? 1 : 0;
            powFull += plan.Decisions.Any(d => d.Code == DecisionCode.WaitingForPow) && !plan.Decisions.Any(d => d.Code == DecisionCode.WaitingForRunningSlot) ? 1 : 0;
        }

        Assert.True(runningFull >= CasesPerSeed / 20, $"only {runningFull} of {CasesPerSeed} cases had every running slot taken");
        Assert.True(powFull >= CasesPerSeed / 40, $"only {powFull} of {CasesPerSeed} cases had every k2pow slot taken and a running slot free");
    }

    private static string Describe(Plan plan) => string.Join('\n',
    [
        .. plan.Actions.Select(a => a.ToString()),
        .. plan.Decisions.Select(d => $"{d.ServiceName} {d.Code} {d.Reason}"),
        .. plan.Next.Services.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value}"),
        $"restart {plan.Next.NodeRestart} away {plan.Next.NodeAway} requeue {plan.RequeueAfter} estimates handed on {plan.Estimates is not null}",
    ]);

    /// <summary>
    /// The random cases are exclusive mode (their per-disk rule counts every started service); the pipelined yield
    /// has its own random cases, which check its safety and that it fires (ReentryYieldTests).
    /// </summary>
    private static readonly string[] PipelinedOnly = [nameof(DecisionCode.YieldsDiskToReentry)];
}

/// <summary>The rules, each returning a description of how it was broken.</summary>
internal static class SafetyRules
{
    private static bool FailureReported(RandomCase input, PlannedAction.StopService stop) =>
        input.Memory.For(stop.ServiceName).ProofFailedRunId == stop.Run.InstanceId
        || input.Snapshot.NewEvents.OfType<NodeEvent.PostFailed>().Any(e => e.Smesher == Fleet.IdOf(stop.ServiceName));

    public static IEnumerable<string> Check(RandomCase input, Plan plan)
    {
        var (spec, snapshot, memory, now) = input;
        var starts = plan.Actions.OfType<PlannedAction.StartService>().ToList();
        var stops = plan.Actions.OfType<PlannedAction.StopService>().ToList();

        if (!snapshot.NodeReachable && (starts.Count > 0 || stops.Count > 0))
        {
            yield return "started or stopped while the node is unreachable";
        }

        // A round already PROVING at the planner's first look is not started before the node's replay could name it.
        foreach (var start in starts.Where(s => !snapshot.EventReplayRead && Inherited(input, s.ServiceName) && RoundMarks(input, s.ServiceName).Count == 0))
        {
            yield return $"{start.ServiceName}: started a round it did not see begin before the node's replay was read";
        }

        foreach (var stop in stops)
        {
            var proving = snapshot.NodeStateOf(stop.ServiceName) == NodePostState.Proving;
            if (stop.Force != (stop.Reason == StopReason.UserForced) || (stop.Force && !snapshot.Intents.ForcedStops.Contains(stop.ServiceName)))
            {
                yield return $"{stop.ServiceName}: forced stop without the user's intent";
            }

            if (proving && !stop.Force && stop.Reason is not (StopReason.NoProgress or StopReason.ProofFailed or StopReason.MissedDeadline or StopReason.YieldsDiskToReentry))
            {
                yield return $"{stop.ServiceName}: stopped ({stop.Reason}) while PROVING";
            }

            // The one stop of PROVING work the planner makes on its own: a first pass, beside a re-entry on its disk.
            if (stop.Reason == StopReason.YieldsDiskToReentry && !YieldsToAReentry(input, stop.ServiceName))
            {
                yield return $"{stop.ServiceName}: yielded its disk without a first pass beside a re-entry in k2pow (pipelined)";
            }

            if (stop.Reason == StopReason.MissedDeadline && !DeadlinePassed(input, stop.ServiceName))
            {
                yield return $"{stop.ServiceName}: missed-deadline stop before this round's deadline (memory before: {input.Memory.For(stop.ServiceName)})";
            }

            // A restarted node lists every identity IDLE: IDLE alone never throws work away.
            if (!proving && HoldsWork(input, stop.ServiceName) && !IdleStopHasEvidence(input, plan, stop))
            {
                yield return $"{stop.ServiceName}: stopped ({stop.Reason}) on IDLE while the run holds proving work, without evidence";
            }

            // A sticky proving error: only a run that says DoneProving, after the node reported its proof failed.
            if (stop.Reason == StopReason.ProofFailed && (snapshot.StatusOf(stop.ServiceName) is not ServiceStatus.DoneProving || !FailureReported(input, stop)))
            {
                yield return $"{stop.ServiceName}: proof-failed stop without a DoneProving run the node reported failed";
            }

            if (stop.Reason == StopReason.NoProgress && !FlatForTimeout(input, stop.ServiceName))
            {
                yield return $"{stop.ServiceName}: no-progress stop although progress was not flat for the timeout";
            }

            if (stop.Reason == StopReason.NoProgress && !proving && !HoldsWork(input, stop.ServiceName))
            {
                yield return $"{stop.ServiceName}: no-progress stop of an IDLE identity whose run holds no work (a not-needed stop)";
            }

            if (snapshot.LiveRun(stop.ServiceName) is not { } run || run != stop.Run)
            {
                yield return $"{stop.ServiceName}: stop of a run that is not live";
            }
        }

        foreach (var start in starts)
        {
            var name = start.ServiceName;
            var next = plan.Next.For(name);
            if (snapshot.NodeStateOf(name) != NodePostState.Proving)
            {
                yield return $"{name}: started although its identity is not PROVING";
            }

            if (snapshot.LiveRun(name) is not null)
            {
                yield return $"{name}: started although it has a live run";
            }

            if (snapshot.Intents.WillNotProve(name))
            {
                yield return $"{name}: started against the user's pause, skip or forced stop";
            }

            if (next.Delivered)
            {
                yield return $"{name}: started again after it delivered in this round";
            }

            if (next.BackoffUntil > now)
            {
                yield return $"{name}: started during its backoff";
            }

            if (!snapshot.Intents.ProveNow.Contains(name))
            {
                foreach (var dependency in spec.FindService(name)!.After)
                {
                    var pending = snapshot.NodeStateOf(dependency) == NodePostState.Proving
                        && !plan.Next.For(dependency).Delivered
                        && !snapshot.Intents.WillNotProve(dependency);
                    if (pending)
                    {
                        yield return $"{name}: started before {dependency} delivered";
                    }
                }
            }
        }

        // A proof held back for the window waits for someone real: a PROVING service that is still to start.
        foreach (var held in plan.Decisions.Where(d => d.Code is DecisionCode.WaitingForGapProofs or DecisionCode.WillMissDeadline))
        {
            var ahead = spec.Services.Any(s => s.Name != held.ServiceName && snapshot.NodeStateOf(s.Name) == NodePostState.Proving
                && snapshot.LiveRun(s.Name) is null && starts.All(a => a.ServiceName != s.Name) && !plan.Next.For(s.Name).Delivered
                && !snapshot.Intents.WillNotProve(s.Name));
            if (!ahead || snapshot.Window is null)
            {
                yield return $"{held.ServiceName}: held for the window ({held.Code}) with nobody ahead of it or no window";
            }
        }

        foreach (var problem in CapsAfterStarts(input, plan, starts))
        {
            yield return problem;
        }

        var acted = plan.Actions.Where(a => a is not PlannedAction.ForgetRun).GroupBy(a => a.ServiceName).Where(g => g.Count() > 1);
        foreach (var group in acted)
        {
            yield return $"{group.Key}: more than one start/stop in one pass";
        }

        if (spec.Services.Any(s => plan.Decisions.Count(d => d.ServiceName == s.Name) != 1))
        {
            yield return "not exactly one decision per service";
        }

        if (plan.RequeueAfter <= TimeSpan.Zero || plan.RequeueAfter > spec.Schedule.Resync)
        {
            yield return $"requeue {plan.RequeueAfter} outside (0, resync]";
        }
    }

    /// <summary>/status Proving or DoneProving, or no answer from a run last seen with work (stated here, not via ProofRound).</summary>
    private static bool HoldsWork(RandomCase input, string name)
    {
        var before = input.Memory.For(name);
        var sameRun = input.Snapshot.LiveRun(name)?.InstanceId == before.RunId;
        return input.Snapshot.StatusOf(name) switch
        {
            ServiceStatus.Proving or ServiceStatus.DoneProving => true,
            ServiceStatus.Idle => false,
            _ => sameRun && before.RunHoldsWork,
        };
    }

    /// <summary>The identity's replayed events that can name its round: postStart and the PoET waits.</summary>
    private static List<NodeEvent> RoundMarks(RandomCase input, string name) =>
        [.. input.Snapshot.NewEvents.Where(e => e switch
        {
            NodeEvent.PostStarted p => p.Smesher == Fleet.IdOf(name),
            NodeEvent.PoetWaitProof w => w.Smesher == Fleet.IdOf(name),
            _ => false,
        })];

    /// <summary>PROVING at the planner's first look at the identity (no node state remembered): a round it did not see begin.</summary>
    private static bool Inherited(RandomCase input, string name) =>
        input.Memory.For(name).LastNodeState is null && input.Snapshot.NodeStateOf(name) == NodePostState.Proving;

    /// <summary>This round's NiPoST deadline (end of its publish epoch) has passed; unknown counts as not passed.</summary>
    private static bool DeadlinePassed(RandomCase input, string name)
    {
        var before = input.Memory.For(name);
        if (Inherited(input, name) && input.Snapshot.Timeline is { } t && RoundMarks(input, name).Where(e => e.Time < input.Now).MaxBy(e => e.Time) is { } named)
        {
            // Named by the replay: the publish epoch of a PoET wait, or a postStart (the initial PoST has no deadline).
            return named switch
            {
                NodeEvent.PoetWaitProof wait => input.Now >= t.CycleGap(wait.Publish).ProofDeadline,
                NodeEvent.PostStarted started => started.ChallengeHex.Any(c => c != '0') && input.Now >= t.ProvingCycleGap(started.Time).ProofDeadline,
                _ => false,
            };
        }

        var challenge = input.Snapshot.NewEvents.OfType<NodeEvent.PostStarted>().Where(e => e.Smesher == Fleet.IdOf(name) && e.Time >= before.ProvingSince).Select(e => e.ChallengeHex).LastOrDefault()
            ?? before.RoundChallengeHex;
        var since = before.LastNodeState == NodePostState.Proving || input.Snapshot.NodeStateOf(name) != NodePostState.Proving ? before.ProvingSince : null;
        return input.Snapshot.Timeline is { } timeline && since is { } at && challenge is not null && challenge.Any(c => c != '0')
            && input.Now >= timeline.ProvingCycleGap(at).ProofDeadline;
    }

    /// <summary>Pipelined; the run is in its first pass; another service of its disk is in a later pass's k2pow.</summary>
    private static bool YieldsToAReentry(RandomCase input, string name)
    {
        var snapshot = input.Snapshot;
        var service = input.Spec.Services.First(s => s.Name == name);
        return input.Spec.Schedule.Mode == PostFleet.Core.Configuration.ScheduleMode.Pipelined
            && snapshot.StatusOf(name) is ServiceStatus.Proving { NonceStart: 0 }
            && input.Spec.Services.Any(s => s.Disk == service.Disk && s.Name != name && snapshot.LiveRun(s.Name) is not null
                && snapshot.StatusOf(s.Name) is ServiceStatus.Proving { NonceStart: > 0, InK2Pow: true });
    }

    /// <summary>Evidence the node has the proof (or no longer wants it) for an IDLE stop of a run that holds work.</summary>
    private static bool IdleStopHasEvidence(RandomCase input, Plan plan, PlannedAction.StopService stop)
    {
        var name = stop.ServiceName;
        var before = input.Memory.For(name);
        var completed = input.Snapshot.NewEvents.OfType<NodeEvent.PostCompleted>().Any(e => e.Smesher == Fleet.IdOf(name) && e.Time >= before.ProvingSince);
        return stop.Reason switch
        {
            StopReason.UserForced => input.Snapshot.Intents.ForcedStops.Contains(name),
            StopReason.Delivered => plan.Next.For(name).Delivered && (before.Delivered || before.HandedOver || completed),
            StopReason.MissedDeadline => DeadlinePassed(input, name),
            StopReason.NoProgress => FlatForTimeout(input, name),
            _ => false,
        };
    }

    /// <summary>A hung service: same run as last pass, /status unchanged, and that unchanged for the timeout.</summary>
    private static bool FlatForTimeout(RandomCase input, string name)
    {
        var before = input.Memory.For(name);
        var timeout = input.Spec.Schedule.NoProgressTimeout;
        var sameRun = input.Snapshot.LiveRun(name)?.InstanceId == before.RunId;
        var unchanged = input.Snapshot.StatusOf(name) is not ServiceStatus.Proving p || ProgressMark.Of(p) == before.Progress;
        return timeout > TimeSpan.Zero && sameRun && unchanged && before.ProgressChangedAt is { } changed && input.Now - changed >= timeout;
    }

    private static IEnumerable<string> CapsAfterStarts(RandomCase input, Plan plan, List<PlannedAction.StartService> starts)
    {
        if (starts.Count == 0)
        {
            yield break;
        }

        var (spec, snapshot, _, now) = input;
        var limits = spec.Schedule;
        var started = starts.Select(s => spec.FindService(s.ServiceName)!).ToList();

        foreach (var disk in started.Select(s => s.Disk).Distinct())
        {
            // A run with nothing in hand (/status Idle) for an identity the node does not ask (IDLE) reads nothing.
            var reading = spec.Services.Count(s => s.Disk == disk && snapshot.LiveRun(s.Name) is not null && !plan.Next.For(s.Name).Delivered
                && !(snapshot.StatusOf(s.Name) is ServiceStatus.Idle && snapshot.NodeStateOf(s.Name) == NodePostState.Idle));
            var total = reading + started.Count(s => s.Disk == disk);
            if (total > limits.PerDisk)
            {
                yield return $"disk {disk}: {total} proving after starts (per-disk {limits.PerDisk})";
            }
        }

        var k2pow = spec.Services.Count(s => InK2Pow(input, plan, s.Name)) + started.Count;
        if (limits.MaxPow > 0 && k2pow > limits.MaxPow)
        {
            yield return $"{k2pow} in k2pow after starts (max-pow {limits.MaxPow})";
        }

        var running = snapshot.Runs.Values.Count(r => r.Running) + started.Count;
        if (limits.MaxRunning > 0 && running > limits.MaxRunning)
        {
            yield return $"{running} running after starts (max-running {limits.MaxRunning})";
        }
    }

    // Written out here rather than calling ServiceLoad, so the property states the rule on its own.
    private static bool InK2Pow(RandomCase input, Plan plan, string name)
    {
        if (input.Snapshot.LiveRun(name) is not { } run || plan.Next.For(name).Delivered)
        {
            return false;
        }

        return input.Snapshot.StatusOf(name) switch
        {
            ServiceStatus.Proving p => p.Position == 0,
            ServiceStatus.DoneProving => false,
            ServiceStatus.Idle => input.Now - run.StartedAt < input.Spec.Schedule.StartupGrace,
            _ => true,
        };
    }
}
