using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;
using Loop = PostFleet.Core.Tests.Planning.PlannerLoop;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// A daemon that (re)starts finds identities already PROVING and does not know which round: go-spacemesh keeps an
/// identity PROVING past its deadline until its next ATX step, and replays its last events on subscribe
/// (AdminService.EventsStream: header, buffered events, live ones). A start before that replay is read could serve a
/// round whose deadline has passed and hold the disk from a disk-mate that can still make its own.
/// </summary>
public class EventReplayRuleTests
{
    private static readonly (string, string[])[] OneDisk = [("diskA", ["a1", "a2"])];

    // Gap 2 opens at T0+33m, its deadline is T0+45m; gap 3 opens at T0+48m.
    private static readonly DateTimeOffset Deadline2 = Epochs.CycleGap(2).ProofDeadline;

    [Fact]
    public void A_round_PROVING_at_the_first_look_waits_for_the_replay_and_a_round_past_its_deadline_is_not_started()
    {
        var loop = NewLoop();
        loop.World.Proving("a1").Idle("a2");
        loop.World.EventReplayRead = false;

        var first = loop.Pass(Deadline2.AddSeconds(20));
        Assert.Empty(first.Started());
        Assert.Equal(DecisionCode.AwaitingEventReplay, first.Code("a1"));
        Assert.Contains("replayed events", first.DecisionFor("a1").Reason, StringComparison.Ordinal);

        // The replay: a1 waited for the PoET round of publish epoch 2, and its service never connected (no postStart).
        loop.World.EventReplayRead = true;
        loop.World.Events.Add(new NodeEvent.PoetWaitRound(Epochs.CycleGap(2).Opens.AddMinutes(-20), IdOf("a1"), 1, 2, Epochs.CycleGap(2).Opens.AddMinutes(-16)));
        loop.World.Events.Add(new NodeEvent.PoetWaitProof(Epochs.CycleGap(2).Opens.AddMinutes(-15), IdOf("a1"), 2, 3, Epochs.CycleGap(2).Opens));
        var second = loop.Pass(Deadline2.AddSeconds(21));
        Assert.Empty(second.Started());
        Assert.Equal(DecisionCode.Missed, second.Code("a1"));

        // The next gap: the disk-mate is asked and finds the disk free.
        loop.World.Proving("a2");
        var third = loop.Pass(Epochs.CycleGap(3).Opens.AddSeconds(1));
        Assert.Equal(["a2"], third.Started());
    }

    [Fact]
    public void A_replayed_postStart_names_the_round_and_a_round_still_in_time_starts()
    {
        var (loop, at) = HeldForTheReplay();
        loop.World.EventReplayRead = true;
        loop.World.Events.Add(new NodeEvent.PostStarted(at.AddMinutes(-1), IdOf("a1"), NipostChallenge));
        Assert.Equal(["a1"], loop.Pass(at.AddSeconds(1)).Started());
        Assert.Equal(at.AddMinutes(-1), loop.Memory.For("a1").ProvingSince);
    }

    [Fact]
    public void A_replay_that_names_nothing_lets_the_round_start_as_before()
    {
        var (loop, at) = HeldForTheReplay();
        loop.World.EventReplayRead = true;
        Assert.Equal(["a1"], loop.Pass(at.AddSeconds(1)).Started());
    }

    [Fact]
    public void A_round_the_planner_saw_begin_is_never_held_for_the_replay()
    {
        var loop = NewLoop();
        loop.World.Idle("a1", "a2");
        loop.Pass(Epochs.CycleGap(2).Opens.AddSeconds(-5));

        // The event stream dropped and is being subscribed again while the node asks for a1's proof.
        loop.World.EventReplayRead = false;
        loop.World.Proving("a1");
        Assert.Equal(["a1"], loop.Pass(Epochs.CycleGap(2).Opens.AddSeconds(1)).Started());
    }

    [Fact]
    public void A_disk_mate_run_with_nothing_in_hand_for_an_IDLE_identity_does_not_hold_the_disk_after_a_restart()
    {
        // Seed 7's soak: the restarted daemon found a2's run (its proof handed over before the restart: /status Idle,
        // identity IDLE, a delivery it never saw) and a1 PROVING in time; a1 waited for that run's stop and missed.
        var loop = NewLoop();
        var at = Epochs.CycleGap(2).Opens.AddMinutes(2);
        loop.World.Proving("a1").Idle("a2").Running("a2", at.AddMinutes(-3), new ServiceStatus.Idle());
        loop.World.Events.Add(new NodeEvent.PoetWaitProof(Epochs.CycleGap(2).Opens.AddMinutes(-15), IdOf("a1"), 2, 3, Epochs.CycleGap(2).Opens));

        var plan = loop.Pass(at);
        Assert.Equal(["a1"], plan.Started());
        Assert.Equal(DecisionCode.IdleGrace, plan.Code("a2"));

        // A run that holds work still counts.
        var holding = NewLoop();
        holding.World.Proving("a1").Idle("a2").Running("a2", at.AddMinutes(-3), Proving(1 << 20));
        Assert.Equal(DecisionCode.WaitingForDisk, holding.Pass(at).Code("a1"));
    }

    /// <summary>a1 PROVING at the planner's first look, 2 minutes into gap 2, before the replay is read: held.</summary>
    private static (Loop Loop, DateTimeOffset At) HeldForTheReplay()
    {
        var loop = NewLoop();
        loop.World.Proving("a1").Idle("a2");
        loop.World.EventReplayRead = false;
        var at = Epochs.CycleGap(2).Opens.AddMinutes(2);
        var plan = loop.Pass(at);
        Assert.Empty(plan.Started());
        Assert.Equal(DecisionCode.AwaitingEventReplay, plan.Code("a1"));
        return (loop, at);
    }

    private static Loop NewLoop()
    {
        var loop = new Loop(Spec(Limits(), OneDisk));
        loop.World.Timeline = Epochs;
        return loop;
    }
}
