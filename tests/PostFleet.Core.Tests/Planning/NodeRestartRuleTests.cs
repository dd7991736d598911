using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;
using Loop = PostFleet.Core.Tests.Planning.PlannerLoop;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// "Delivered" needs evidence. go-spacemesh sets every identity IDLE when it starts (activation.go, Register) and asks
/// for the same challenge again only after its ATX sync, so an IDLE identity whose run holds proving work is kept
/// until the node's postComplete, the run's hand-over, the deadline, the user, or no-progress-timeout.
/// </summary>
public class NodeRestartRuleTests
{
    private static readonly (string, string[])[] TwoDisks = [("diskA", ["a1"]), ("diskB", ["b1"])];
    private static readonly CycleGap Gap = new();

    public static TheoryData<string> WorkInHand => ["k2pow", "reading", "done", "unreachable-after-reading"];

    [Theory]
    [MemberData(nameof(WorkInHand))]
    public void An_IDLE_identity_whose_run_holds_work_is_kept_past_the_grace(string work)
    {
        var loop = ProvingBoth();
        loop.World.Idle("a1", "b1");
        loop.World.Statuses["a1"] = work switch
        {
            "k2pow" => Proving(0),
            "reading" => Proving(3 << 20),
            "done" => new ServiceStatus.DoneProving(),
            _ => new ServiceStatus.Unreachable("timed out"),
        };

        for (var second = 0; second < 120; second += 5)
        {
            var plan = loop.Pass(Gap.At(30 + second));
            Assert.DoesNotContain(plan.Stops(), s => s.ServiceName == "a1");
            Assert.Equal(DecisionCode.KeptOnIdle, plan.Code("a1"));
        }

        Assert.False(loop.Memory.For("a1").Delivered);
    }

    [Fact]
    public void An_IDLE_identity_whose_run_never_proved_is_stopped_after_the_grace_as_before()
    {
        var loop = new Loop(Spec(Limits(), TwoDisks));
        loop.World.Timeline = Epochs;
        loop.World.Idle("a1").Running("a1", Gap.At(0), new ServiceStatus.Idle());

        Assert.Equal(DecisionCode.IdleGrace, loop.Pass(Gap.At(1)).Code("a1"));
        var stop = Assert.Single(loop.Pass(Gap.At(12)).Stops());
        Assert.Equal(StopReason.NotNeeded, stop.Reason);
    }

    public static TheoryData<string, StopReason, DecisionCode, string> Evidence => new()
    {
        { "postComplete", StopReason.Delivered, DecisionCode.Stop, "delivered (the node's postComplete)" },
        { "hand-over", StopReason.Delivered, DecisionCode.Stop, "delivered (the run handed its proof over)" },
        { "deadline", StopReason.MissedDeadline, DecisionCode.MissedDeadline, "missed the deadline: publish epoch 2" },
        { "forced", StopReason.UserForced, DecisionCode.ForcedStop, "stop forced by the user" },
        { "no-progress", StopReason.NoProgress, DecisionCode.NoProgress, "made no progress for 5m" },
    };

    [Theory]
    [MemberData(nameof(Evidence))]
    public void A_run_holding_work_on_IDLE_is_stopped_only_on_evidence(string evidence, StopReason reason, DecisionCode code, string text)
    {
        var loop = ProvingBoth(Limits(noProgress: TimeSpan.FromMinutes(5)));
        loop.World.Idle("a1", "b1");
        loop.World.Statuses["a1"] = new ServiceStatus.DoneProving();
        loop.Pass(Gap.At(30));
        var at = Gap.At(45);
        switch (evidence)
        {
            case "postComplete":
                loop.World.Events.Add(new NodeEvent.PostCompleted(Gap.At(44), IdOf("a1"), NipostChallenge));
                break;
            case "hand-over":
                loop.World.Statuses["a1"] = new ServiceStatus.Idle();
                break;
            case "deadline":
                at = Gap.Window.ProofDeadline;
                break;
            case "forced":
                loop.World.Intents = UserIntents.None with { ForcedStops = ["a1"] };
                break;
            default:
                at = Gap.At(20).AddMinutes(5); // the last progress was seen at Gap.At(20)
                break;
        }

        // Delivery evidence still waits the idle-stop-grace (counted from the IDLE); the others act at once.
        var plan = loop.Pass(at);
        plan = plan.Stops().Length == 0 ? loop.Pass(at.AddSeconds(11)) : plan;

        var stop = Assert.Single(plan.Stops(), s => s.ServiceName == "a1");
        Assert.Equal(reason, stop.Reason);
        Assert.Equal(code, plan.Code("a1"));
        Assert.Contains(text, plan.DecisionFor("a1").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_restart_keeps_every_proof_in_progress_and_the_resumed_round_delivers_once()
    {
        var loop = ProvingBoth();

        // The node goes away, then lists everyone IDLE and is not synced: a restart.
        loop.World.NodeReachable = false;
        Assert.Empty(loop.Pass(Gap.At(25)).Stops());
        loop.World.NodeReachable = true;
        loop.World.Idle("a1", "b1");
        loop.World.Node = new NodeCondition(Synced: false, StreamResubscribed: true);
        var restarted = loop.Pass(Gap.At(30));

        Assert.Equal(DecisionCode.NodeRestarting, restarted.Code("a1"));
        Assert.StartsWith("node restarted / syncing: keeping 2 proofs in progress", restarted.DecisionFor("b1").Reason, StringComparison.Ordinal);
        Assert.Equal(2, restarted.Next.NodeRestart!.Kept);
        Assert.Contains("is_synced false", restarted.Next.NodeRestart.Evidence, StringComparison.Ordinal);

        // Syncing for much longer than the idle-stop-grace: nothing stopped.
        loop.World.Node = new NodeCondition(Synced: false, StreamResubscribed: false);
        for (var second = 35; second < 300; second += 5)
        {
            loop.World.Statuses["a1"] = Proving((ulong)second << 10);
            Assert.Empty(loop.Pass(Gap.At(second)).Stops());
        }

        // Synced: PROVING again with the same challenge is the same round; no second start, the restart is over.
        loop.World.Node = new NodeCondition(Synced: true, StreamResubscribed: false);
        loop.World.Proving("a1", "b1");
        var resumed = loop.Pass(Gap.At(300));
        Assert.Empty(resumed.Actions);
        Assert.Equal(Gap.At(0), resumed.Next.For("a1").ProvingSince);
        Assert.Null(resumed.Next.NodeRestart);
        Assert.Equal(DecisionCode.Proving, resumed.Code("a1"));

        loop.World.Events.Add(new NodeEvent.PostCompleted(Gap.At(310), IdOf("a1"), NipostChallenge));
        Assert.True(loop.Pass(Gap.At(311)).Next.For("a1").Delivered);
    }

    /// <summary>
    /// The node, synced, asks again for the round it was not given, and its postStart arrives before a PostStates
    /// read shows PROVING (the read a pass takes can be asked before the event came). The run hands its held proof
    /// over at once: that is not a delivery while the IDLE it would count on is older than the node's question.
    /// </summary>
    [Fact]
    public void A_postStart_after_a_restart_overrules_the_IDLE_read_before_it_and_the_hand_over_waits_for_the_node()
    {
        var loop = ProvingBoth();
        loop.World.Statuses["a1"] = new ServiceStatus.DoneProving();
        loop.World.NodeReachable = false;
        loop.Pass(Gap.At(25));
        loop.World.NodeReachable = true;
        loop.World.Idle("a1", "b1");
        loop.World.Node = new NodeCondition(Synced: false, StreamResubscribed: true);
        Assert.Equal(DecisionCode.NodeRestarting, loop.Pass(Gap.At(30)).Code("a1"));

        // Synced; the states this pass takes were read before the node asked; its postStart (same challenge) is new,
        // and the service has already given the node the proof it held.
        loop.World.Node = new NodeCondition(Synced: true, StreamResubscribed: false);
        loop.World.Events.Add(new NodeEvent.PostStarted(Gap.At(40), IdOf("a1"), NipostChallenge));
        loop.World.Statuses["a1"] = new ServiceStatus.Idle();
        var asked = loop.Pass(Gap.At(41));
        Assert.DoesNotContain(asked.Stops(), s => s.ServiceName == "a1");
        Assert.False(asked.Next.For("a1").Delivered);
        Assert.Equal(NodePostState.Proving, asked.Next.For("a1").LastNodeState);
        Assert.Equal(Gap.At(0), asked.Next.For("a1").ProvingSince);

        // The node verifies, then lists a1 IDLE: now the hand-over is a delivery, and the run stops after the grace.
        loop.World.Proving("a1");
        Assert.Empty(loop.Pass(Gap.At(42)).Stops());
        loop.World.Idle("a1");
        Assert.True(loop.Pass(Gap.At(43)).Next.For("a1").Delivered);
        var stop = Assert.Single(loop.Pass(Gap.At(55)).Stops(), s => s.ServiceName == "a1");
        Assert.Equal(StopReason.Delivered, stop.Reason);
    }

    [Fact]
    public void A_postStart_of_another_challenge_while_IDLE_leaves_the_new_round_to_the_node_s_PROVING()
    {
        var loop = ProvingBoth();
        loop.World.Idle("a1", "b1");
        loop.Pass(Gap.At(30));

        loop.World.Events.Add(new NodeEvent.PostStarted(Gap.At(40), IdOf("a1"), new string('7', 64)));
        var plan = loop.Pass(Gap.At(41));

        Assert.Equal(NodePostState.Idle, plan.Next.For("a1").LastNodeState);
    }

    [Fact]
    public void All_IDLE_without_a_sign_of_a_restart_keeps_the_runs_without_calling_it_one()
    {
        var loop = ProvingBoth();
        loop.World.Idle("a1", "b1");
        loop.World.Node = new NodeCondition(Synced: true, StreamResubscribed: false);

        var plan = loop.Pass(Gap.At(30));

        Assert.Equal(DecisionCode.KeptOnIdle, plan.Code("a1"));
        Assert.Null(plan.Next.NodeRestart);
    }

    [Fact]
    public void A_kept_run_is_looked_at_again_when_its_deadline_passes()
    {
        var loop = ProvingBoth(Limits(noProgress: TimeSpan.Zero) with { Resync = TimeSpan.FromHours(1) });
        loop.World.Idle("a1", "b1");
        loop.World.Statuses["a1"] = new ServiceStatus.DoneProving();
        loop.World.Statuses["b1"] = new ServiceStatus.DoneProving();
        loop.Pass(Gap.Window.ProofDeadline.AddSeconds(-60));

        Assert.Equal(TimeSpan.FromSeconds(30), loop.Pass(Gap.Window.ProofDeadline.AddSeconds(-30)).RequeueAfter);
        Assert.Equal(StopReason.MissedDeadline, loop.Pass(Gap.Window.ProofDeadline).Stops()[0].Reason);
    }

    /// <summary>Both identities PROVING in gap 2 with runs reading, their postStart seen (so the round's deadline is known).</summary>
    private static Loop ProvingBoth(ScheduleLimits? limits = null)
    {
        var loop = new Loop(Spec(limits ?? Limits(), TwoDisks));
        loop.World.Timeline = Epochs;
        loop.World.Proving("a1", "b1").Running("a1", Gap.At(0), Proving(0)).Running("b1", Gap.At(0), Proving(0));
        loop.Pass(Gap.At(0));
        loop.World.Events.Add(new NodeEvent.PostStarted(Gap.At(1), IdOf("a1"), NipostChallenge));
        loop.World.Events.Add(new NodeEvent.PostStarted(Gap.At(1), IdOf("b1"), NipostChallenge));
        loop.World.Statuses["a1"] = Proving(1 << 20);
        loop.World.Statuses["b1"] = Proving(1 << 20);
        loop.Pass(Gap.At(20));
        return loop;
    }

    /// <summary>Times in cycle gap 2 of <see cref="Fleet.Epochs"/>, in seconds after it opens.</summary>
    private sealed class CycleGap
    {
        public PostFleet.Core.Timeline.CycleGapWindow Window { get; } = Epochs.CycleGap(2);

        public DateTimeOffset At(int seconds) => Window.Opens.AddSeconds(seconds);
    }
}
