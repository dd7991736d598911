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
        ProofStage? Stage(ServiceView s, ServiceMemory m) => FleetViewBuilder.Stage(s.DagState, s.Position, s.NonceStart, s.RunningSince, m);

        var reading = Assert.IsType<ProofStage.Reading>(Stage(S("diskC_post2"), memory));
        Assert.Equal(S("diskC_post2").Position, reading.Position);
        Assert.Equal(Now.AddMinutes(-3), reading.ReadStartedAt);
        // A later pass (a failed first one): its read did not start when the first one did.
        Assert.Null(Assert.IsType<ProofStage.Reading>(Stage(S("diskC_post2") with { NonceStart = 16, NonceEnd = 32 }, memory)).ReadStartedAt);
        Assert.Equal(S("diskB_post2").RunningSince, Assert.IsType<ProofStage.InK2Pow>(Stage(S("diskB_post2"), memory)).RunStartedAt);
        Assert.IsType<ProofStage.Waiting>(Stage(S("diskD_post1"), memory));
        // Started but no /status yet (still "waiting" in the DAG): timed from its start, like a k2pow.
        Assert.IsType<ProofStage.InK2Pow>(Stage(S("diskD_post1") with { RunningSince = Now }, memory));
        Assert.Null(Stage(S("diskC_post3"), memory)); // delivered
        Assert.Null(Stage(S("diskC_post3") with { DagState = "failed" }, memory));
    }

    [Fact]
    public void A_forecasts_rows_are_made_again_only_for_another_forecast_or_gap()
    {
        var spec = DemoForecast.Spec();
        var forecast = ProvingForecast.Of(spec, HardwareAssumptions.Default, DemoForecast.Learned());
        var gap = new CycleGapWindow(14, Now, Now.AddHours(11), Now.AddHours(12), Now.AddHours(20));
        var rows = new ForecastRows();

        var first = rows.For(forecast, gap);
        Assert.Equal(ForecastViewBuilder.Rows(forecast, gap), first);
        Assert.Same(first, rows.For(forecast, gap with { }));

        // The next gap: the same forecast placed on its times.
        var next = gap with { PublishEpoch = 15, Opens = Now.AddHours(24), NextChallengeAt = Now.AddHours(35), Closes = Now.AddHours(36), ProofDeadline = Now.AddHours(44) };
        var moved = rows.For(forecast, next);
        Assert.NotSame(first, moved);
        Assert.Equal(Now.AddHours(24).AddSeconds(moved[0].EndSeconds), moved[0].EndAt);

        // A forecast drawn again (moved estimates): its own rows, even when they come out the same.
        var redrawn = ProvingForecast.Of(spec, HardwareAssumptions.Default, DemoForecast.Learned());
        Assert.NotSame(moved, rows.For(redrawn, next));
        Assert.Equal(moved, rows.For(redrawn, next));
        Assert.Null(rows.For(redrawn, null)[0].EndAt);
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
