using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;
using Loop = PostFleet.Core.Tests.Planning.PlannerLoop;

namespace PostFleet.Core.Tests.Planning;

/// <summary>One rule per test: a world, one or a few passes, the expected actions and decision codes.</summary>
public class PlannerRuleTests
{
    private static readonly (string, string[])[] OneDisk = [("diskC", ["diskC_post3", "diskC_post2", "diskC_post1"])];

    [Fact]
    public void Starts_only_identities_the_node_reports_PROVING()
    {
        var loop = new Loop(Spec(Limits(perDisk: 3), OneDisk));
        loop.World.Proving("diskC_post2").Idle("diskC_post3");

        var plan = loop.Pass(T0);

        Assert.Equal(["diskC_post2"], plan.Started());
        Assert.Equal(DecisionCode.Idle, plan.Code("diskC_post3"));
        Assert.Equal(DecisionCode.UnknownIdentity, plan.Code("diskC_post1"));
    }

    [Fact]
    public void Per_disk_cap_starts_the_first_on_the_disk_and_says_who_holds_it()
    {
        var loop = new Loop(Spec(Limits(perDisk: 1), OneDisk));
        loop.World.Proving("diskC_post3", "diskC_post2", "diskC_post1");

        var plan = loop.Pass(T0);

        Assert.Equal(["diskC_post3"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForDisk, plan.Code("diskC_post2"));
        Assert.Equal("waiting: disk diskC busy with diskC_post3 (per-disk 1)", plan.DecisionFor("diskC_post2").Reason);
    }

    [Fact]
    public void Order_on_a_disk_is_a_preference_not_a_chain()
    {
        var after = new Dictionary<string, string[]> { ["diskC_post3"] = ["diskX_post1"] };
        var loop = new Loop(Spec(Limits(perDisk: 1), [.. OneDisk, ("diskX", ["diskX_post1"])], after));
        loop.World.Proving("diskC_post3", "diskC_post2", "diskC_post1", "diskX_post1");

        var plan = loop.Pass(T0);

        Assert.Equal(["diskC_post2", "diskX_post1"], plan.Started().Order());
        Assert.Equal(DecisionCode.WaitingForDependency, plan.Code("diskC_post3"));
    }

    [Fact]
    public void Max_pow_takes_the_first_of_each_disk_in_config_order()
    {
        var loop = new Loop(Demo(Limits(maxPow: 2)));
        loop.World.Proving([.. DemoDisks.SelectMany(d => d.Services)]);

        var plan = loop.Pass(T0);

        // diskA_post2 waits for diskC_post2, so diskA's second service goes first.
        Assert.Equal(["diskB_post3", "diskC_post3"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForPow, plan.Code("diskD_post1"));
        Assert.Equal(DecisionCode.WaitingForDependency, plan.Code("diskA_post2"));
        Assert.Contains("max-pow 2", plan.DecisionFor("diskA_post1").Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k2pow", 5, true)]
    [InlineData("reading", 5, false)]
    [InlineData("done", 5, false)]
    [InlineData("idle", 5, true)]
    [InlineData("idle", 120, false)]
    [InlineData("unreachable", 120, true)]
    [InlineData("none", 5, true)]
    public void A_running_service_counts_as_k2pow_by_its_status_and_age(string status, int secondsRunning, bool countsAsK2Pow)
    {
        var loop = new Loop(Spec(Limits(maxPow: 1), [("diskA", ["a"]), ("diskB", ["b"])]));
        ServiceStatus? observed = status switch
        {
            "k2pow" => Proving(0),
            "reading" => Proving(1 << 20),
            "done" => new ServiceStatus.DoneProving(),
            "idle" => new ServiceStatus.Idle(),
            "unreachable" => new ServiceStatus.Unreachable("connection refused"),
            _ => null,
        };
        loop.World.Proving("a", "b").Running("a", T0.AddSeconds(-secondsRunning), observed);

        var plan = loop.Pass(T0);

        // A reader is not in k2pow, but with nothing known about its pass it holds a slot for its next one.
        Assert.Equal(countsAsK2Pow || status == "reading" ? [] : ["b"], plan.Started());
        Assert.Equal(countsAsK2Pow ? DecisionCode.WaitingForPow : status == "reading" ? DecisionCode.WaitingForPowReserve : DecisionCode.Start, plan.Code("b"));
    }

    [Fact]
    public void Max_running_caps_processes_including_ones_not_in_the_config()
    {
        var loop = new Loop(Spec(Limits(perDisk: 3, maxRunning: 2), OneDisk));
        loop.World.Proving("diskC_post3", "diskC_post2", "diskC_post1");
        loop.World.Runs["stray"] = Run("stray", T0.AddHours(-1));

        var plan = loop.Pass(T0);

        Assert.Equal(["diskC_post3"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForRunningSlot, plan.Code("diskC_post2"));
        Assert.Equal(DecisionCode.NotInConfig, plan.Code("stray"));
    }

    [Fact]
    public void After_waits_until_the_dependency_delivered_in_this_round()
    {
        var loop = new Loop(Demo(Limits(perDisk: 3)));
        loop.World.Proving("diskA_post2", "diskC_post2");
        loop.World.Running("diskC_post2", T0, Proving(1 << 20));

        Assert.Equal(DecisionCode.WaitingForDependency, loop.Pass(T0).Code("diskA_post2"));

        loop.World.Events.Add(new NodeEvent.PostCompleted(T0.AddMinutes(1), IdOf("diskC_post2"), "00"));
        var plan = loop.Pass(T0.AddMinutes(1));

        Assert.Equal(["diskA_post2"], plan.Started());
        Assert.Equal(DecisionCode.DeliveredWaitingForIdle, plan.Code("diskC_post2"));
    }

    [Fact]
    public void A_dependency_the_node_does_not_need_or_the_user_skipped_holds_no_one_up()
    {
        var loop = new Loop(Demo(Limits(perDisk: 3)));
        loop.World.Proving("diskA_post2").Idle("diskC_post2");
        Assert.Equal(["diskA_post2"], loop.Pass(T0).Started());

        var skipped = new Loop(Demo(Limits(perDisk: 3)));
        skipped.World.Proving("diskA_post2", "diskC_post2");
        skipped.World.Intents = UserIntents.None with { SkipEpoch = ["diskC_post2"] };
        Assert.Equal(["diskA_post2"], skipped.Pass(T0).Started());
    }

    [Fact]
    public void A_dependency_still_IDLE_with_a_round_the_node_announced_holds_its_dependent_until_it_delivers()
    {
        // The node turns each identity PROVING when it has fetched its PoET proof: diskA_post2 first, diskC_post2 a moment later.
        var roundEnd = T0;
        var loop = new Loop(Demo(Limits(perDisk: 3)));
        loop.World.Idle("diskA_post2", "diskC_post2");
        loop.World.Events.Add(new NodeEvent.PoetWaitProof(T0.AddMinutes(-20), IdOf("diskC_post2"), 2, 3, roundEnd));
        loop.World.Events.Add(new NodeEvent.PoetWaitProof(T0.AddMinutes(-20), IdOf("diskA_post2"), 2, 3, roundEnd));
        loop.Pass(T0.AddMinutes(-19));

        loop.World.Proving("diskA_post2");
        var first = loop.Pass(T0);
        Assert.Empty(first.Started());
        Assert.Equal(DecisionCode.WaitingForDependency, first.Code("diskA_post2"));
        Assert.Equal("waiting: after diskC_post2, which has not delivered yet", first.DecisionFor("diskA_post2").Reason);

        loop.World.Proving("diskC_post2");
        var second = loop.Pass(T0.AddSeconds(1));
        Assert.Equal(["diskC_post2"], second.Started());
        Assert.Equal(DecisionCode.WaitingForDependency, second.Code("diskA_post2"));

        loop.World.Running("diskC_post2", T0.AddSeconds(1), Proving(1 << 20));
        loop.World.Events.Add(new NodeEvent.PostCompleted(T0.AddMinutes(2), IdOf("diskC_post2"), "00"));
        loop.World.Idle("diskC_post2");
        Assert.Equal(["diskA_post2"], loop.Pass(T0.AddMinutes(2)).Started());
    }

    [Fact]
    public void An_announced_round_that_went_another_way_or_never_came_holds_no_one_up()
    {
        var cycleGap = Demo().Node.Poet.CycleGap;

        // A new registration after the announcement: the round was missed (its PoET proof never came).
        var missed = new Loop(Demo(Limits(perDisk: 3)));
        missed.World.Idle("diskC_post2").Proving("diskA_post2");
        missed.World.Events.Add(new NodeEvent.PoetWaitProof(T0.AddMinutes(-20), IdOf("diskC_post2"), 2, 3, T0));
        missed.World.Events.Add(new NodeEvent.PoetWaitRound(T0.AddMinutes(-1), IdOf("diskC_post2"), 2, 3, T0.AddMinutes(5)));
        Assert.Equal(["diskA_post2"], missed.Pass(T0).Started());

        // Announced, but still IDLE a whole cycle gap after its PoET round ended: not waited for any longer.
        var late = new Loop(Demo(Limits(perDisk: 3)));
        late.World.Idle("diskC_post2").Proving("diskA_post2");
        late.World.Events.Add(new NodeEvent.PoetWaitProof(T0.AddMinutes(-20), IdOf("diskC_post2"), 2, 3, T0));
        Assert.Equal(DecisionCode.WaitingForDependency, late.Pass(T0 + cycleGap - TimeSpan.FromSeconds(1)).Code("diskA_post2"));
        Assert.Equal(["diskA_post2"], late.Pass(T0 + cycleGap).Started());

        // Delivered in this gap, and the next round already announced (its PoET round ends about an epoch later).
        var next = new Loop(Demo(Limits(perDisk: 3)));
        next.World.Idle("diskC_post2").Proving("diskA_post2");
        next.World.Events.Add(new NodeEvent.PoetWaitProof(T0.AddMinutes(1), IdOf("diskC_post2"), 3, 4, T0.AddMinutes(20)));
        Assert.Equal(["diskA_post2"], next.Pass(T0.AddMinutes(2)).Started());
    }

    [Fact]
    public void An_old_postComplete_replayed_by_the_event_stream_does_not_count()
    {
        var loop = new Loop(Demo(Limits(perDisk: 3)));
        loop.World.Proving("diskA_post2", "diskC_post2");
        loop.World.Events.Add(new NodeEvent.PostCompleted(T0.AddMinutes(-15), IdOf("diskC_post2"), "00"));

        var plan = loop.Pass(T0);

        Assert.Equal(["diskC_post2"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForDependency, plan.Code("diskA_post2"));
    }

    [Theory]
    [InlineData("k2pow")]
    [InlineData("done")]
    [InlineData("idle")]
    public void Never_stops_while_PROVING_whatever_status_says(string status)
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        ServiceStatus observed = status switch
        {
            "k2pow" => Proving(0),
            "done" => new ServiceStatus.DoneProving(),
            _ => new ServiceStatus.Idle(),
        };
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, observed);

        for (var minute = 0; minute < 29; minute++)
        {
            Assert.Empty(loop.Pass(T0.AddMinutes(minute)).Stops());
        }
    }

    [Fact]
    public void Stops_once_the_node_reports_IDLE_after_delivery_and_the_grace_passed()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, Proving(1 << 20));
        loop.Pass(T0);

        loop.World.Idle("diskC_post3");
        loop.World.Statuses["diskC_post3"] = new ServiceStatus.Idle();
        var first = loop.Pass(T0.AddMinutes(1));
        var second = loop.Pass(T0.AddMinutes(1).AddSeconds(10));

        Assert.Equal(DecisionCode.IdleGrace, first.Code("diskC_post3"));
        Assert.Empty(first.Stops());
        var stop = Assert.Single(second.Stops());
        Assert.Equal((StopReason.Delivered, false), (stop.Reason, stop.Force));
        Assert.Equal(DecisionCode.Stopping, loop.Pass(T0.AddMinutes(1).AddSeconds(11)).Code("diskC_post3"));
    }

    [Fact]
    public void An_adopted_run_for_an_IDLE_identity_is_stopped_as_not_needed()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Idle("diskC_post3").Running("diskC_post3", T0.AddHours(-2), new ServiceStatus.Idle());

        Assert.Empty(loop.Pass(T0).Stops());
        Assert.Equal(StopReason.NotNeeded, Assert.Single(loop.Pass(T0.AddSeconds(10)).Stops()).Reason);
    }

    [Fact]
    public void Nothing_is_started_or_stopped_while_the_node_is_unreachable()
    {
        var loop = new Loop(Spec(Limits(perDisk: 3), OneDisk));
        loop.World.Idle("diskC_post3").Proving("diskC_post2").Running("diskC_post3", T0.AddHours(-2), new ServiceStatus.Idle());
        loop.World.Intents = UserIntents.None with { ForcedStops = ["diskC_post3"] };
        loop.World.NodeReachable = false;

        var plan = loop.Pass(T0.AddMinutes(5));

        Assert.Empty(plan.Actions);
        Assert.All(plan.Decisions, d => Assert.Equal(DecisionCode.NodeUnreachable, d.Code));
    }

    [Fact]
    public void A_crash_while_PROVING_is_forgotten_and_restarted_with_capped_exponential_backoff()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3");
        var now = T0;
        var backoffs = new List<TimeSpan>();
        for (var crash = 0; crash < 5; crash++)
        {
            Assert.Equal(["diskC_post3"], loop.Pass(now).Started());
            loop.World.Runs["diskC_post3"] = Run("diskC_post3", now, running: false, id: $"run{crash}");

            var plan = loop.Pass(now.AddSeconds(1));
            Assert.Equal(loop.World.Runs["diskC_post3"], Assert.Single(plan.Actions.OfType<PlannedAction.ForgetRun>()).Instance);
            Assert.Equal(DecisionCode.BackingOff, plan.Code("diskC_post3"));
            loop.World.Runs.Remove("diskC_post3");

            var until = plan.Next.For("diskC_post3").BackoffUntil!.Value;
            backoffs.Add(until - now.AddSeconds(1));
            Assert.Empty(loop.Pass(until.AddMilliseconds(-1)).Started());
            now = until;
        }

        Assert.Equal([10, 20, 40, 80, 80], backoffs.Select(b => (int)b.TotalSeconds));
    }

    [Fact]
    public void Backoff_resets_once_a_run_made_progress()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3");
        loop.Pass(T0);
        loop.World.Runs["diskC_post3"] = Run("diskC_post3", T0, running: false, id: "r1");
        var until = loop.Pass(T0.AddSeconds(1)).Next.For("diskC_post3").BackoffUntil!.Value;
        loop.World.Runs.Remove("diskC_post3");
        Assert.Single(loop.Pass(until).Started());

        loop.World.Running("diskC_post3", until, Proving(0));
        loop.Pass(until.AddSeconds(1));
        loop.World.Statuses["diskC_post3"] = Proving(1 << 20);
        var progressed = loop.Pass(until.AddSeconds(2));

        Assert.Equal(0, progressed.Next.For("diskC_post3").Restarts);
    }

    [Fact]
    public void A_service_without_progress_for_the_timeout_is_stopped_and_started_again_later()
    {
        var limits = Limits(noProgress: TimeSpan.FromMinutes(30));
        var loop = new Loop(Spec(limits, OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, Proving(4 << 20, 32));
        loop.Pass(T0);

        Assert.Empty(loop.Pass(T0.AddMinutes(29)).Stops());
        var plan = loop.Pass(T0.AddMinutes(30));

        var stop = Assert.Single(plan.Stops());
        Assert.Equal((StopReason.NoProgress, false), (stop.Reason, stop.Force));
        Assert.Equal(DecisionCode.NoProgress, plan.Code("diskC_post3"));

        loop.World.Runs.Remove("diskC_post3");
        loop.World.Statuses.Remove("diskC_post3");
        var until = loop.Pass(T0.AddMinutes(31)).Next.For("diskC_post3").BackoffUntil!.Value;
        Assert.Equal(["diskC_post3"], loop.Pass(until).Started());
    }

    [Fact]
    public void A_status_body_it_cannot_read_is_said_so_and_counts_as_progress_while_it_changes()
    {
        var loop = new Loop(Spec(Limits(noProgress: TimeSpan.FromMinutes(30)), OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, new ServiceStatus.Unrecognised("{\"Verifying\":{\"done\":1}}"));
        var first = loop.Pass(T0);
        Assert.Contains("does not know", first.Decisions.Single(d => d.ServiceName == "diskC_post3").Reason, StringComparison.Ordinal);

        // A newer service whose answers keep changing is working: never judged hung.
        loop.World.Statuses["diskC_post3"] = new ServiceStatus.Unrecognised("{\"Verifying\":{\"done\":2}}");
        loop.Pass(T0.AddMinutes(20));
        Assert.Empty(loop.Pass(T0.AddMinutes(40)).Stops());

        // The same answer for the whole timeout is as flat as a known one.
        Assert.Equal(StopReason.NoProgress, Assert.Single(loop.Pass(T0.AddMinutes(50)).Stops()).Reason);
    }

    [Fact]
    public void A_service_holding_a_finished_proof_is_never_judged_hung()
    {
        var loop = new Loop(Spec(Limits(noProgress: TimeSpan.FromMinutes(30)), OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, new ServiceStatus.DoneProving());

        loop.Pass(T0);

        Assert.Empty(loop.Pass(T0.AddHours(5)).Stops());
    }

    [Fact]
    public void A_run_holding_a_failed_proof_is_restarted_after_the_node_reports_the_failure()
    {
        // post-service keeps Done(Err) forever (DoneProving) while the node retries each layer: only a restart helps.
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, new ServiceStatus.DoneProving());
        Assert.Empty(loop.Pass(T0).Stops());

        loop.World.Events.Add(new NodeEvent.PostFailed(T0.AddSeconds(30), IdOf("diskC_post3"), "Node failed PoST execution."));
        var plan = loop.Pass(T0.AddMinutes(1));

        var stop = Assert.Single(plan.Stops());
        Assert.Equal((StopReason.ProofFailed, false), (stop.Reason, stop.Force));
        Assert.Equal(DecisionCode.ProofFailed, plan.Code("diskC_post3"));
        Assert.Equal(1, plan.Next.For("diskC_post3").Restarts);
    }

    [Fact]
    public void A_missed_deadline_that_turns_the_identity_IDLE_is_reported_as_missed_not_delivered_nor_sticky()
    {
        // The real failure event says only "Node failed PoST execution."; the deadline is what tells why.
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Timeline = Epochs;
        var gap = Epochs.CycleGap(2);
        loop.World.Proving("diskC_post3").Running("diskC_post3", gap.Opens, Proving(1 << 20));
        loop.Pass(gap.Opens.AddSeconds(1));
        loop.World.Events.Add(new NodeEvent.PostStarted(gap.Opens.AddSeconds(5), IdOf("diskC_post3"), NipostChallenge));
        loop.Pass(gap.Opens.AddSeconds(10));
        loop.World.Statuses["diskC_post3"] = new ServiceStatus.DoneProving();
        loop.World.Events.Add(new NodeEvent.PostFailed(gap.ProofDeadline, IdOf("diskC_post3"), "Node failed PoST execution."));

        var plan = loop.Pass(gap.ProofDeadline.AddSeconds(1));

        var stop = Assert.Single(plan.Stops());
        Assert.Equal(StopReason.MissedDeadline, stop.Reason);
        Assert.Equal(DecisionCode.MissedDeadline, plan.Code("diskC_post3"));
        Assert.Contains("missed the deadline: publish epoch 2", plan.DecisionFor("diskC_post3").Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("sticky", plan.DecisionFor("diskC_post3").Reason, StringComparison.Ordinal);

        loop.World.Runs.Clear();
        loop.World.Statuses.Clear();
        loop.World.Idle("diskC_post3");
        var after = loop.Pass(gap.ProofDeadline.AddMinutes(1));
        Assert.False(after.Next.For("diskC_post3").Delivered);
        Assert.Equal(DecisionCode.Missed, after.Code("diskC_post3"));
    }

    /// <summary>
    /// go-spacemesh lists an identity PROVING until about a layer after its deadline. One that waited the whole gap
    /// for its disk has no postStart (its service never connected), yet its round is the one its poetWaitProof
    /// announced: a disk freed at the deadline does not start a service for a round the node has given up.
    /// </summary>
    [Fact]
    public void An_identity_that_waited_the_gap_for_its_disk_is_not_started_for_its_round_after_the_deadline()
    {
        var loop = new Loop(Spec(Limits(perDisk: 1), [("diskC", ["diskC_post3", "diskC_post2"])]));
        loop.World.Timeline = Epochs;
        var gap = Epochs.CycleGap(2);
        loop.World.Events.Add(new NodeEvent.PoetWaitProof(gap.Opens.AddMinutes(-20), IdOf("diskC_post2"), 2, 3, gap.Opens));
        loop.World.Events.Add(new NodeEvent.PoetWaitProof(gap.Opens.AddMinutes(-20), IdOf("diskC_post3"), 2, 3, gap.Opens));
        loop.World.Idle("diskC_post3", "diskC_post2");
        loop.Pass(gap.Opens.AddMinutes(-1));

        loop.World.Proving("diskC_post3", "diskC_post2").Running("diskC_post3", gap.Opens, Proving(1 << 20));
        Assert.Equal(DecisionCode.WaitingForDisk, loop.Pass(gap.Opens.AddSeconds(1)).Code("diskC_post2"));
        Assert.Equal(2u, loop.Memory.For("diskC_post2").RoundPublishEpoch);

        // The reader is stopped at the deadline; the disk is free, the node still says PROVING.
        loop.World.Runs.Clear();
        loop.World.Statuses.Clear();
        var after = loop.Pass(gap.ProofDeadline.AddSeconds(1));

        Assert.Empty(after.Started());
        Assert.Equal(DecisionCode.Missed, after.Code("diskC_post2"));
        Assert.Contains("publish epoch 2's proof was not delivered", after.DecisionFor("diskC_post2").Reason, StringComparison.Ordinal);

        // The next round, announced and asked for, starts as usual.
        loop.World.Events.Add(new NodeEvent.PoetWaitProof(gap.ProofDeadline.AddMinutes(1), IdOf("diskC_post2"), 3, 4, Epochs.CycleGap(3).Opens));
        loop.World.Idle("diskC_post2");
        loop.Pass(gap.ProofDeadline.AddMinutes(2));
        loop.World.Proving("diskC_post2");
        var next = loop.Pass(Epochs.CycleGap(3).Opens.AddSeconds(1));
        Assert.Contains("diskC_post2", next.Started());
        Assert.Equal(3u, next.Next.For("diskC_post2").RoundPublishEpoch);
    }

    [Fact]
    public void A_failure_before_the_deadline_on_a_DoneProving_run_is_still_the_sticky_error()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Timeline = Epochs;
        var gap = Epochs.CycleGap(2);
        loop.World.Proving("diskC_post3").Running("diskC_post3", gap.Opens, new ServiceStatus.DoneProving());
        loop.Pass(gap.Opens.AddSeconds(1));
        loop.World.Events.Add(new NodeEvent.PostStarted(gap.Opens.AddSeconds(5), IdOf("diskC_post3"), NipostChallenge));
        loop.Pass(gap.Opens.AddSeconds(10));
        loop.World.Events.Add(new NodeEvent.PostFailed(gap.Opens.AddSeconds(30), IdOf("diskC_post3"), "Node failed PoST execution."));

        var plan = loop.Pass(gap.Opens.AddMinutes(1));

        Assert.Equal(StopReason.ProofFailed, Assert.Single(plan.Stops()).Reason);
        Assert.Equal(DecisionCode.ProofFailed, plan.Code("diskC_post3"));
    }

    [Fact]
    public void A_retry_that_succeeds_after_a_failure_is_a_delivery()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, Proving(1 << 20));
        loop.Pass(T0);
        loop.World.Events.Add(new NodeEvent.PostFailed(T0.AddSeconds(30), IdOf("diskC_post3"), "Node failed PoST execution."));
        loop.Pass(T0.AddMinutes(1));

        loop.World.Idle("diskC_post3");
        loop.World.Events.Add(new NodeEvent.PostCompleted(T0.AddMinutes(2), IdOf("diskC_post3"), "ab"));
        Assert.True(loop.Pass(T0.AddMinutes(2)).Next.For("diskC_post3").Delivered);
    }

    [Fact]
    public void A_failure_event_does_not_stop_a_run_that_is_proving_again()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, Proving(1 << 20));
        loop.Pass(T0);

        loop.World.Events.Add(new NodeEvent.PostFailed(T0.AddSeconds(30), IdOf("diskC_post3"), "Node failed PoST execution."));
        Assert.Empty(loop.Pass(T0.AddMinutes(1)).Stops());
    }

    [Fact]
    public void A_forced_stop_overrides_PROVING_and_keeps_the_service_stopped()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, Proving(1 << 20));
        loop.World.Intents = UserIntents.None with { ForcedStops = ["diskC_post3"] };

        var stop = Assert.Single(loop.Pass(T0).Stops());
        Assert.Equal((StopReason.UserForced, true), (stop.Reason, stop.Force));

        loop.World.Runs["diskC_post3"] = loop.World.Runs["diskC_post3"] with { Running = false, ExitCode = 143 };
        var after = loop.Pass(T0.AddSeconds(2));
        Assert.Empty(after.Started());
        Assert.Equal(DecisionCode.ForcedStop, after.Code("diskC_post3"));
        Assert.Null(after.Next.For("diskC_post3").BackoffUntil);
    }

    [Fact]
    public void Paused_services_are_not_started_and_not_stopped()
    {
        var loop = new Loop(Spec(Limits(perDisk: 3), OneDisk));
        loop.World.Proving("diskC_post3", "diskC_post2").Running("diskC_post3", T0, Proving(0));
        loop.World.Intents = UserIntents.None with { Paused = ["diskC_post3", "diskC_post2"] };

        var plan = loop.Pass(T0);

        Assert.Empty(plan.Actions);
        Assert.Equal(DecisionCode.Proving, plan.Code("diskC_post3"));
        Assert.Equal(DecisionCode.Paused, plan.Code("diskC_post2"));
    }

    [Fact]
    public void Prove_now_jumps_the_queue_and_ignores_after()
    {
        var loop = new Loop(Demo(Limits(maxPow: 1)));
        loop.World.Proving([.. DemoDisks.SelectMany(d => d.Services)]);
        loop.World.Intents = UserIntents.None with { ProveNow = ["diskA_post2"] };

        Assert.Equal(["diskA_post2"], loop.Pass(T0).Started());
    }

    [Fact]
    public void A_new_round_clears_delivery_so_the_service_proves_again_next_epoch()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3").Running("diskC_post3", T0, Proving(1 << 20));
        loop.Pass(T0);
        loop.World.Idle("diskC_post3");
        loop.World.Runs.Clear();
        loop.World.Events.Add(new NodeEvent.PostCompleted(T0.AddMinutes(1), IdOf("diskC_post3"), NipostChallenge));
        Assert.True(loop.Pass(T0.AddMinutes(2)).Next.For("diskC_post3").Delivered);

        loop.World.Proving("diskC_post3");
        var plan = loop.Pass(T0.AddMinutes(15));

        Assert.Equal(["diskC_post3"], plan.Started());
        Assert.False(plan.Next.For("diskC_post3").Delivered);
    }

    [Fact]
    public void Requeues_soon_while_things_change_and_at_resync_when_steady()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Proving("diskC_post3");
        Assert.Equal(TimeSpan.FromSeconds(1), loop.Pass(T0).RequeueAfter);

        loop.World.Running("diskC_post3", T0, Proving(1 << 20));
        Assert.Equal(TimeSpan.FromSeconds(5), loop.Pass(T0.AddMinutes(2)).RequeueAfter);

        loop.World.Idle("diskC_post3");
        loop.Pass(T0.AddMinutes(3));
        Assert.Equal(TimeSpan.FromSeconds(3), loop.Pass(T0.AddMinutes(3).AddSeconds(7)).RequeueAfter);
    }

    [Fact]
    public void The_loop_looks_again_when_the_next_cycle_gap_opens_not_a_resync_later()
    {
        // The soak's lost epochs: with the loop asleep through the gap's opening, each first start came up to a resync
        // late, and the second proof on a disk finished after the next PoET round began, so the node skipped an epoch.
        var loop = new Loop(Spec(Limits() with { Resync = TimeSpan.FromMinutes(10) }, OneDisk));
        loop.World.Idle("diskC_post3", "diskC_post2", "diskC_post1");
        loop.World.Timeline = Epochs;
        var gap = Epochs.CycleGap(2);

        Assert.Equal(TimeSpan.FromSeconds(3), loop.Pass(gap.Opens.AddSeconds(-3)).RequeueAfter);
        Assert.Equal(TimeSpan.FromMinutes(10), loop.Pass(gap.Opens.AddMinutes(-30)).RequeueAfter); // resync still bounds it

        // Once it is open the half-second look for the node's ask takes over; the gap after next is far away.
        loop.World.GapOpenedAt = gap.Opens;
        Assert.Equal(TimeSpan.FromMilliseconds(500), loop.Pass(gap.Opens.AddMilliseconds(10)).RequeueAfter);
    }

    [Fact]
    public void While_a_gap_is_open_and_identities_wait_for_the_nodes_ask_it_looks_every_half_second()
    {
        var halfSecond = TimeSpan.FromMilliseconds(500);
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Idle("diskC_post3", "diskC_post2", "diskC_post1");
        Assert.Equal(TimeSpan.FromSeconds(5), loop.Pass(T0).RequeueAfter); // no gap open: resync

        var opened = T0.AddMinutes(1);
        loop.World.GapOpenedAt = opened;
        Assert.Equal(halfSecond, loop.Pass(opened).RequeueAfter);

        // The node asks for two; the third still waits, so the loop keeps looking often.
        loop.World.Proving("diskC_post3", "diskC_post2");
        loop.World.Running("diskC_post3", opened.AddSeconds(2), Proving(0));
        loop.World.Running("diskC_post2", opened.AddSeconds(2), Proving(0));
        loop.Pass(opened.AddSeconds(2));
        Assert.Equal(halfSecond, loop.Pass(opened.AddSeconds(30)).RequeueAfter);

        // Once every identity has been asked this round (and a delivered one went back to IDLE), it stops.
        loop.World.Proving("diskC_post1");
        loop.World.Running("diskC_post1", opened.AddSeconds(40), Proving(0));
        loop.Pass(opened.AddSeconds(40));
        loop.World.Runs.Remove("diskC_post3");
        loop.World.Idle("diskC_post3");
        Assert.NotEqual(halfSecond, loop.Pass(opened.AddMinutes(2)).RequeueAfter);

        // Paused identities are not waited for.
        var paused = new Loop(Spec(Limits(), OneDisk));
        paused.World.Idle("diskC_post3", "diskC_post2", "diskC_post1");
        paused.World.GapOpenedAt = opened;
        paused.World.Intents = UserIntents.None with { Paused = ["diskC_post3", "diskC_post2", "diskC_post1"] };
        Assert.NotEqual(halfSecond, paused.Pass(opened).RequeueAfter);
    }
}
