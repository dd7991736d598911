using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.InProcess.Tests.Fakes;

namespace PostFleet.InProcess.Tests;

/// <summary>A post-service that dies, loops on a start error, or hangs: restarted after the backoff, and the proof delivered.</summary>
public sealed class ServiceFaultTests
{
    [Theory]
    [InlineData(ServiceFault.CrashInK2Pow)]
    [InlineData(ServiceFault.CrashInRead)]
    public async Task A_service_killed_mid_proof_is_restarted_after_the_backoff_and_delivers_on_the_same_challenge(ServiceFault fault)
    {
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions { Faults = new Dictionary<string, ServiceFault> { ["a1"] = fault } });

        await fleet.RunUntilDeliveredAsync(1);

        var runs = fleet.RunsOf("a1");
        Assert.Equal(2, runs.Count);
        Assert.Equal(137, runs[0].ExitCode);
        // The node asked the second run for the very challenge the first one died on, and took its proof.
        var started = fleet.Node.Events.OfType<NodeEvent.PostStarted>().Where(e => e.Smesher == FakeNode.IdOf("a1")).ToList();
        var completed = Assert.Single(fleet.Node.Events.OfType<NodeEvent.PostCompleted>(), e => e.Smesher == FakeNode.IdOf("a1"));
        Assert.Equal(2, started.Count);
        Assert.All(started, e => Assert.Equal(completed.ChallengeHex, e.ChallengeHex));

        // The crash was seen (BackingOff), the ended run forgotten, and the second start waited out restart-backoff.initial.
        Assert.Contains(fleet.Decisions("a1"), d => d.What == nameof(DecisionCode.BackingOff));
        var forgot = fleet.Passes.Single(p => p.Outcomes.Any(o => o.Action is PlannedAction.ForgetRun { Instance.ServiceName: "a1" }));
        var restart = fleet.Passes.Where(p => p.Outcomes.Any(o => o.Action is PlannedAction.StartService { ServiceName: "a1" })).ElementAt(1);
        Assert.True(restart.Observation.At - runs[0].StartedAt >= fleet.Spec.Schedule.RestartBackoffInitial);
        Assert.True(restart.Number >= forgot.Number);
        var journal = fleet.History.Runs("a1");
        Assert.Contains(journal, r => r.Outcome == "crashed" && r.ExitCode == 137 && r.InstanceId == runs[0].InstanceId);

        // The others were not held up by it.
        Assert.Equal([1u], fleet.Node.Delivered("b1"));
    }

    [Fact]
    public async Task A_service_that_always_exits_backs_off_with_a_capped_growing_backoff_and_the_others_deliver()
    {
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions
        {
            Services = [("a1", "diskA"), ("b1", "diskB")], // alone on its disk: nothing else takes it between runs
            Faults = new Dictionary<string, ServiceFault> { ["a1"] = ServiceFault.ExitAtStart },
        });

        await fleet.RunUntilAsync(() => fleet.RunsOf("a1").Count >= 6 && fleet.Node.Delivered("b1").Count == 1, "six runs of a1 and b1's delivery", TimeSpan.FromSeconds(60));

        Assert.Empty(fleet.Node.Delivered("a1"));
        var journal = fleet.History.Runs("a1").Where(r => r.Outcome is not null).ToList();
        Assert.True(journal.Count >= 5);
        Assert.All(journal, r => Assert.Equal(("crashed", 1), (r.Outcome, r.ExitCode)));

        // restart-backoff 1s, 2s, 4s, then 4s: the gaps between starts grow and stop at the cap (plus the step of the
        // world in which the run exits, and at most one more for the pass that sees it).
        var starts = fleet.RunsOf("a1").Select(r => r.StartedAt).ToList();
        var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).ToList();
        var backoff = fleet.Spec.Schedule;
        for (var i = 0; i < gaps.Count; i++)
        {
            var expected = backoff.RestartBackoff(i + 1);
            Assert.InRange(gaps[i], expected + TimeSpan.FromSeconds(1), expected + TimeSpan.FromSeconds(2));
        }

        Assert.True(gaps[^1] > gaps[0], string.Join(", ", gaps));
        Assert.Equal(backoff.RestartBackoffMax, backoff.RestartBackoff(gaps.Count));
        Assert.Contains(fleet.Decisions("a1"), d => d.What == nameof(DecisionCode.BackingOff));
    }

    [Fact]
    public async Task A_hung_service_is_stopped_after_no_progress_timeout_while_proving_and_a_fresh_run_delivers()
    {
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions { Faults = new Dictionary<string, ServiceFault> { ["a1"] = ServiceFault.HangInRead } });

        await fleet.RunUntilDeliveredAsync(1);

        var runs = fleet.RunsOf("a1");
        Assert.Equal(2, runs.Count);
        Assert.Equal(143, runs[0].ExitCode); // SIGTERM from the loop, not a crash

        // The one stop allowed while the identity is PROVING: no progress for no-progress-timeout.
        var stop = fleet.Passes.Single(p => p.Outcomes.Any(o => o.Action is PlannedAction.StopService { ServiceName: "a1", Reason: StopReason.NoProgress }));
        Assert.Equal(NodePostState.Proving, stop.Observation.Identities["a1"].State);
        var flat = stop.Plan.Decisions.Single(d => d.ServiceName == "a1");
        Assert.Equal(DecisionCode.NoProgress, flat.Code);
        Assert.Contains(fleet.Actions("a1"), a => a.What == nameof(PlannedAction.StopService) && a.Detail.StartsWith("NoProgress", StringComparison.Ordinal));

        // Not before the timeout: the last progress was at least no-progress-timeout before the stop.
        var lastProgress = fleet.Passes.Where(p => p.Number < stop.Number && p.Observation.Statuses.GetValueOrDefault("a1") is ServiceStatus.Proving)
            .Select(p => (p.Observation.At, Position: ((ServiceStatus.Proving)p.Observation.Statuses["a1"]).Position))
            .GroupBy(x => x.Position).Select(g => g.Min(x => x.At)).Max();
        Assert.True(stop.Observation.At - lastProgress >= fleet.Spec.Schedule.NoProgressTimeout);
    }
}
