using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Daemon.Loop;

namespace PostFleet.InProcess.Tests;

/// <summary>/status is read off the pass's critical path: a service that never answers holds no pass, and its last answer is never progress.</summary>
public sealed class StatusReadTests
{
    // 32 KiB at 256 B/s: a read of 128 s, so the hung service is still reading when no-progress-timeout (20 s) ends.
    private static readonly InProcessFleetOptions SlowReads = new() { Services = [("a1", "diskA"), ("b1", "diskB")], ReadBytesPerSecond = 256 };

    [Fact]
    public async Task A_hung_status_delays_no_pass_and_the_other_runs_are_read_fresh_every_pass()
    {
        await using var fleet = await InProcessFleet.StartAsync(SlowReads);
        await fleet.RunUntilAsync(() => Reading(fleet.Passes[^1], "a1") is > 0 && Reading(fleet.Passes[^1], "b1") is > 0, "a1 and b1 reading", TimeSpan.FromSeconds(60));
        var hungAt = fleet.Passes[^1];
        fleet.Runtime.HangStatus("a1");

        // Every step waits until the daemon settled (its loop waiting again), so a pass that waited for a1 would fail the step.
        await fleet.RunForAsync(TimeSpan.FromSeconds(10));

        var after = fleet.Passes.Where(p => p.Number > hungAt.Number).ToList();
        Assert.True(after.Select(p => p.Observation.At).Distinct().Count() >= 8, $"passes at {after.Select(p => p.Observation.At).Distinct().Count()} distinct times in 10 s of network time");
        Assert.All(after, p => Assert.Equal(p.Observation.At, p.Observation.StatusReadAt["b1"]));
        // a1: its last answer (from before the hang, with its age) or, once a read timed out, no answer; never a new position.
        Assert.All(after, p => Assert.True(
            p.Observation.Statuses["a1"] is ServiceStatus.Unreachable || p.Observation.StatusReadAt["a1"] <= hungAt.Observation.At,
            $"pass {p.Number}: {p.Observation.Statuses["a1"]}"));

        // Once its read timed out on the daemon's clock, a1 is a service that does not answer.
        Assert.All(after.Where(p => p.Observation.At - hungAt.Observation.At > StatusPoller.ReadTimeout), p => Assert.IsType<ServiceStatus.Unreachable>(p.Observation.Statuses["a1"]));
    }

    [Fact]
    public async Task A_status_that_stopped_answering_is_never_progress_and_the_run_is_stopped_after_no_progress_timeout()
    {
        await using var fleet = await InProcessFleet.StartAsync(SlowReads);
        await fleet.RunUntilAsync(() => Reading(fleet.Passes[^1], "a1") is > 0, "a1 reading", TimeSpan.FromSeconds(60));
        var hungAt = fleet.Passes[^1];
        var position = Reading(hungAt, "a1");
        fleet.Runtime.HangStatus("a1");

        await fleet.RunUntilAsync(() => StopFor(fleet, "a1") is not null, "a1 stopped for no progress", TimeSpan.FromSeconds(60));

        // The service went on reading in the world, but the daemon saw no answer after the last one: never a later position.
        var after = fleet.Passes.Where(p => p.Number > hungAt.Number).ToList();
        Assert.All(after, p => Assert.True(Reading(p, "a1") is null || Reading(p, "a1") == position));

        var stop = StopFor(fleet, "a1")!;
        Assert.Equal(NodePostState.Proving, stop.Observation.Identities["a1"].State);
        Assert.Equal(DecisionCode.NoProgress, stop.Plan.Decisions.Single(d => d.ServiceName == "a1").Code);
        Assert.True(stop.Observation.At - hungAt.Observation.At >= fleet.Spec.Schedule.NoProgressTimeout);
    }

    private static ulong? Reading(PassReport pass, string service) =>
        pass.Observation.Statuses.GetValueOrDefault(service) is ServiceStatus.Proving { Position: var p } ? p : null;

    private static PassReport? StopFor(InProcessFleet fleet, string service) =>
        fleet.Passes.FirstOrDefault(p => p.Outcomes.Any(o => o.Action is PlannedAction.StopService { Reason: StopReason.NoProgress } stop && stop.ServiceName == service));
}
