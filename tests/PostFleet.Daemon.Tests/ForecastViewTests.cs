using PostFleet.Core.Forecast;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Tests;

public class ForecastViewTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-01T12:00:00Z");

    [Fact]
    public void Only_proofs_the_node_still_waits_for_get_a_stage()
    {
        var view = DemoFleet.Build(Now);
        var memory = ServiceMemory.Initial with { ReadStartedAt = Now.AddMinutes(-3) };
        ServiceView S(string name) => view.Services.Single(s => s.Name == name);

        var reading = Assert.IsType<ProofStage.Reading>(FleetViewBuilder.Stage(S("diskC_post2"), memory));
        Assert.Equal(S("diskC_post2").Position, reading.Position);
        Assert.Equal(Now.AddMinutes(-3), reading.ReadStartedAt);
        // A later pass (a failed first one): its read did not start when the first one did.
        Assert.Null(Assert.IsType<ProofStage.Reading>(FleetViewBuilder.Stage(S("diskC_post2") with { NonceStart = 16, NonceEnd = 32 }, memory)).ReadStartedAt);
        Assert.Equal(S("diskB_post2").RunningSince, Assert.IsType<ProofStage.InK2Pow>(FleetViewBuilder.Stage(S("diskB_post2"), memory)).RunStartedAt);
        Assert.IsType<ProofStage.Waiting>(FleetViewBuilder.Stage(S("diskD_post1"), memory));
        // Started but no /status yet (still "waiting" in the DAG): timed from its start, like a k2pow.
        Assert.IsType<ProofStage.InK2Pow>(FleetViewBuilder.Stage(S("diskD_post1") with { RunningSince = Now }, memory));
        Assert.Null(FleetViewBuilder.Stage(S("diskC_post3"), memory)); // delivered
        Assert.Null(FleetViewBuilder.Stage(S("diskC_post3") with { DagState = "failed" }, memory));
    }

    [Fact]
    public void Rows_are_placed_on_the_gap_and_marked_after_the_window_and_past_the_deadline()
    {
        var spec = DemoForecast.Spec();
        var forecast = ProvingForecast.Of(spec, HardwareAssumptions.Default, DemoForecast.Learned());
        var gap = new CycleGapWindow(14, Now, Now.AddHours(11), Now.AddHours(12), Now.AddHours(20));

        var view = ForecastViewBuilder.Build(forecast, HardwareAssumptions.Default, gap, Now);

        Assert.Equal(20 * 3600, view.DeadlineSeconds);
        Assert.Equal(forecast.Makespan, view.MakespanSeconds);
        foreach (var row in view.Rows)
        {
            Assert.Equal(Now.AddSeconds(row.EndSeconds), row.EndAt);
            Assert.Equal(row.EndSeconds > 12 * 3600, row.PastWindow);
            Assert.Equal(row.EndSeconds > 20 * 3600, row.PastDeadline);
        }

        var last = view.Rows.MaxBy(r => r.EndSeconds)!;
        Assert.Equal("diskB_post1", last.Service);
        Assert.True(last.PastWindow && last.PastDeadline);
        Assert.Contains(view.Rows, r => !r.PastWindow);

        var noClock = ForecastViewBuilder.Build(forecast, HardwareAssumptions.Default, gap: null, Now);
        Assert.Null(noClock.Gap);
        Assert.Null(noClock.DeadlineSeconds);
        Assert.All(noClock.Rows, r => Assert.True(r.EndAt is null && !r.PastDeadline));
    }
}
