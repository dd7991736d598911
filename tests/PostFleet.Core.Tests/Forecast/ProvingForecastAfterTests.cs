using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Tests.Planning;

namespace PostFleet.Core.Tests.Forecast;

/// <summary>`after` in the forecast: the planner holds a dependent until its dependencies delivered, so must the forecast.</summary>
public class ProvingForecastAfterTests
{
    private static readonly DateTimeOffset Now = Fleet.T0;

    [Fact]
    public void A_dependent_starts_its_k2pow_when_its_dependency_is_predicted_to_end()
    {
        var spec = Fleet.Spec(Fleet.Limits(maxPow: 2), [("diskA", ["a1"]), ("diskB", ["b1"])], After("b1", "a1"));

        var forecast = ProvingForecast.Of(spec, Hardware, Known(spec, k2pow: 20, read: 30));

        Assert.Equal((0, 20, 50), Times(forecast, "a1"));
        Assert.Equal((50, 70, 100), Times(forecast, "b1")); // without `after` it would run beside a1: 0, 20, 50
        Assert.Equal(100, forecast.Makespan);
    }

    [Fact]
    public void Without_after_the_same_fleet_runs_side_by_side()
    {
        var spec = Fleet.Spec(Fleet.Limits(maxPow: 2), [("diskA", ["a1"]), ("diskB", ["b1"])]);

        var forecast = ProvingForecast.Of(spec, Hardware, Known(spec, k2pow: 20, read: 30));

        Assert.Equal((0, 20, 50), Times(forecast, "b1"));
    }

    [Fact]
    public void A_held_service_lets_the_next_one_on_its_disk_go_first()
    {
        var spec = Fleet.Spec(Fleet.Limits(maxPow: 2), [("diskA", ["a1"]), ("diskB", ["b1", "b2"])], After("b1", "a1"));

        var forecast = ProvingForecast.Of(spec, Hardware, Known(spec, k2pow: 20, read: 30));

        Assert.Equal((0, 20, 50), Times(forecast, "b2"));
        Assert.Equal((50, 70, 100), Times(forecast, "b1")); // disk free at 50 and a1 ends at 50: the later of the two
    }

    [Fact]
    public void A_chain_waits_for_every_link_and_the_latest_of_several_dependencies()
    {
        var after = ImmutableDictionary<string, string[]>.Empty.Add("c1", ["a1", "b1"]).Add("b1", ["a1"]);
        var spec = Fleet.Spec(Fleet.Limits(maxPow: 1), [("diskA", ["a1"]), ("diskB", ["b1"]), ("diskC", ["c1"])], after);

        var forecast = ProvingForecast.Of(spec, Hardware, Known(spec, k2pow: 20, read: 30));

        Assert.Equal((0, 20, 50), Times(forecast, "a1"));
        Assert.Equal((50, 70, 100), Times(forecast, "b1"));
        Assert.Equal((100, 120, 150), Times(forecast, "c1"));
    }

    [Fact]
    public void A_dependency_that_is_not_in_the_fleet_holds_nobody_up_and_a_cycle_still_gives_a_forecast()
    {
        var unknown = Fleet.Spec(Fleet.Limits(maxPow: 2), [("diskA", ["a1"])], After("a1", "gone"));
        Assert.Equal((0, 20, 50), Times(ProvingForecast.Of(unknown, Hardware, Known(unknown, 20, 30)), "a1"));

        // The loader refuses cycles; a spec built without it must still not hang or throw.
        var cycle = Fleet.Spec(Fleet.Limits(maxPow: 2), [("diskA", ["a1"]), ("diskB", ["b1"])],
            ImmutableDictionary<string, string[]>.Empty.Add("a1", ["b1"]).Add("b1", ["a1"]));
        Assert.Equal(2, ProvingForecast.Of(cycle, Hardware, Known(cycle, 20, 30)).Rows.Length);
    }

    [Fact]
    public void A_waiting_dependent_is_estimated_to_finish_after_its_dependency_even_when_that_read_runs_late()
    {
        var spec = Fleet.Spec(Fleet.Limits(maxPow: 2), [("diskA", ["a1"]), ("diskB", ["b1"])], After("b1", "a1"));
        var known = Known(spec, k2pow: 20, read: 30);
        var bytes = ServicePhases.DataBytes(spec.Services.First(), spec.Post);
        var stages = new Dictionary<string, ProofStage>
        {
            // a1 read a sixteenth in 100 s: 1500 s left, far past the forecast's 50 s.
            ["a1"] = new ProofStage.Reading(bytes / 16, Now.AddSeconds(-100)),
            ["b1"] = new ProofStage.Waiting(),
        };

        var finish = FinishEstimates.Of(spec, stages, known, Hardware, ProvingForecast.Of(spec, Hardware, known), gapOpens: Now.AddSeconds(-200), Now);

        var expected = Now.AddSeconds(1500 + 20 + 30);
        Assert.True(Math.Abs((finish["b1"] - expected).TotalMilliseconds) < 1, $"expected {expected:O}, got {finish["b1"]:O}");
    }

    private static readonly HardwareAssumptions Hardware = HardwareAssumptions.Default;

    private static ImmutableDictionary<string, string[]> After(string service, params string[] dependencies) =>
        ImmutableDictionary<string, string[]>.Empty.Add(service, dependencies);

    /// <summary>Every service's k2pow takes <paramref name="k2pow"/> s and every disk reads one service's data in <paramref name="read"/> s.</summary>
    private static ProvingEstimates Known(FleetSpec spec, double k2pow, double read)
    {
        var bytes = ServicePhases.DataBytes(spec.Services.First(), spec.Post);
        return new ProvingEstimates(
            spec.Services.ToImmutableDictionary(s => s.Name, _ => TimeSpan.FromSeconds(k2pow)),
            spec.Disks.ToImmutableDictionary(d => d.Name, _ => bytes / read));
    }

    private static (double K2PowStart, double ReadStart, double End) Times(ProvingForecast forecast, string service)
    {
        var row = forecast.Rows.Single(r => r.Service.Name == service);
        return (Math.Round(row.K2PowStart, 6), Math.Round(row.ReadStart, 6), Math.Round(row.End, 6));
    }
}
