using PostFleet.Core.Model;
using PostFleet.Daemon.Loop;
using PostFleet.Daemon.View;

namespace PostFleet.InProcess.Tests;

/// <summary>
/// A start the runtime has not finished when it lists its runs is the service's run for the planner; the view shows
/// it the same way, starting. Before, a pass showed "not-running" while the new process was already building its
/// RandomX prover (RandomXStartupTests caught it on a loaded machine).
/// </summary>
public sealed class StartUnderWayViewTests
{
    [Fact]
    public async Task A_start_the_runtime_has_not_listed_yet_shows_as_starting_and_a_service_without_one_as_not_running()
    {
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions { Services = [("a1", "diskA")] });
        await fleet.RunUntilAsync(() => fleet.Passes[^1].Observation.Runs.Any(r => r.ServiceName == "a1" && r.Running), "a1 running", TimeSpan.FromSeconds(60));

        // A pass as the loop makes it, seen before the runtime listed a1's run: with and without the start under way.
        var real = fleet.Passes[^1];
        var unlisted = real with { Observation = real.Observation with { Runs = [], Statuses = new Dictionary<string, ServiceStatus>() } };
        var standIn = new RuntimeInstance("a1", ActionExecutor.StartingPrefix + "a1", real.Observation.At, Running: true, ExitCode: null, LogPath: null);

        var starting = ViewOf(fleet, unlisted with { StartsUnderWay = [standIn] }).Services.Single(s => s.Name == "a1");
        Assert.Equal("starting", starting.Phase);
        Assert.Equal(real.Observation.At, starting.RunningSince);

        var notRunning = ViewOf(fleet, unlisted).Services.Single(s => s.Name == "a1");
        Assert.Equal("not-running", notRunning.Phase);
        Assert.Null(notRunning.RunningSince);

        // A run the runtime listed wins over the stand-in of a start that finished meanwhile.
        var listed = ViewOf(fleet, real with { StartsUnderWay = [standIn] }).Services.Single(s => s.Name == "a1");
        Assert.Equal(real.Observation.Runs.Single(r => r.ServiceName == "a1").InstanceId, listed.InstanceId);
    }

    /// <summary>The view a control of its own makes of <paramref name="pass"/> (the daemon's own control is the loop's).</summary>
    private static FleetView ViewOf(InProcessFleet fleet, PassReport pass)
    {
        var control = new FleetControl(new FleetIntents(), fleet.History, fleet.Runtime);
        control.OnPass(pass);
        return control.Current!;
    }
}
