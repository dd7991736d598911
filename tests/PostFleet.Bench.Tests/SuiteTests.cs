using PostFleet.Bench;
using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;

namespace PostFleet.Bench.Tests;

/// <summary>Deterministic in virtual time, so "never worse than the peers" is a plain assertion.</summary>
public sealed class SuiteTests
{
    [Theory]
    [MemberData(nameof(Suite.Small), MemberType = typeof(Suite))]
    public void Pipelined_postfleet_is_never_worse_than_a_peer_and_within_5_percent_of_the_bound(string name)
    {
        var t = Suite.Load(name);
        var results = Runner.RunSuite(t);
        var postfleet = results.Single(r => r.Strategy == "postfleet(pipelined)");
        var bound = LowerBound.Of(t).Seconds;
        var work = t.Identities.Select(i => FleetModel.WorkOf(t, i, 1, null, null)).ToList();
        if (UpperBound.Units(t, work, t.CycleGap.TotalSeconds) < t.Identities.Sum(i => (double)i.Units))
        {
            // Over-subscribed: what counts is units proved in the gap, not when the last one lands.
            foreach (var peer in results.Where(r => !r.Strategy.StartsWith("postfleet", StringComparison.Ordinal)))
            {
                Assert.True(postfleet.UnitsInGap >= peer.UnitsInGap, $"{name}: postfleet {postfleet.UnitsInGap} units in the gap < {peer.Strategy} {peer.UnitsInGap}");
            }

            return;
        }

        foreach (var peer in results.Where(r => !r.Strategy.StartsWith("postfleet", StringComparison.Ordinal)))
        {
            Assert.True(postfleet.Makespan <= peer.Makespan + 1e-6, $"{name}: postfleet {postfleet.Makespan:0} > {peer.Strategy} {peer.Makespan:0}");
        }

        Assert.True(postfleet.Makespan <= bound * 1.05, $"{name}: {postfleet.Makespan / bound:0.000} of the bound");
        Assert.Equal(1, postfleet.PeakReadersPerDisk);
        Assert.Equal(0, postfleet.LostRuns);
    }

    [Fact]
    public void On_2000_identities_pipelined_postfleet_beats_the_best_peer_and_is_within_5_percent()
    {
        var t = Suite.Load("large-2000");
        var postfleet = Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Pipelined));
        var dag = Runner.Run(t, new StaticDag(t)); // the best peer on this topology (bench table)

        Assert.True(postfleet.Makespan <= dag.Makespan);
        Assert.True(postfleet.Makespan <= LowerBound.Of(t).Seconds * 1.05);
        Assert.Equal(1, postfleet.PeakReadersPerDisk);
    }

    [Fact]
    public void A_k2pow_estimate_that_is_too_long_costs_overlap_but_not_a_pile_up()
    {
        var t = Suite.Load("mixed-100");
        var exact = Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Pipelined));
        var tooLong = Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Pipelined, "long", 1.25));
        var tooShort = Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Pipelined, "short", 0.8));

        Assert.Equal(0, exact.OverlapSeconds);
        Assert.True(tooLong.OverlapSeconds > 0);
        Assert.Equal(2, tooLong.PeakReadersPerDisk);
        Assert.Equal(0, tooShort.OverlapSeconds);
        Assert.True(tooLong.Makespan <= exact.Makespan * 1.02);
        Assert.True(tooShort.Makespan <= exact.Makespan * 1.02);
    }

    [Fact]
    public void The_mode_key_is_read_and_validated()
    {
        const string Base = "node: { post-listener: http://127.0.0.1:9094, data-dir: /node }\ndisks:\n  - name: d\n    services:\n      - { name: a, dir: /p/a, num-units: 4, operator: 127.0.0.1:10051 }\n";
        var pipelined = FleetConfigLoader.Parse(Base + "schedule: { mode: pipelined, pipeline-margin: 5s }\n", "/cfg", "t.yaml");
        var fallback = FleetConfigLoader.Parse(Base, "/cfg", "t.yaml");
        var exclusive = FleetConfigLoader.Parse(Base + "schedule: { mode: exclusive }\n", "/cfg", "t.yaml");
        var bad = FleetConfigLoader.Parse(Base + "schedule: { mode: eager }\n", "/cfg", "t.yaml");

        Assert.True(pipelined.IsValid, string.Join("; ", pipelined.Errors));
        Assert.Equal(ScheduleMode.Pipelined, pipelined.Spec!.Schedule.Mode);
        Assert.Equal(TimeSpan.FromSeconds(5), pipelined.Spec.Schedule.PipelineMargin);
        Assert.Equal(ScheduleMode.Pipelined, fallback.Spec!.Schedule.Mode);
        Assert.Equal(ScheduleMode.Exclusive, exclusive.Spec!.Schedule.Mode);
        Assert.Contains(bad.Errors, e => e.Path == "schedule.mode" && e.Message.Contains("exclusive, pipelined", StringComparison.Ordinal));
    }

    [Fact]
    public void The_forecast_warns_about_a_disk_that_cannot_finish_and_names_a_move()
    {
        var t = Suite.Load("demo");
        var spec = PlannerStrategy.BuildSpec(t, 0, ScheduleMode.Pipelined, 1);
        var slow = new HardwareAssumptions(200, 5000, System.Collections.Immutable.ImmutableDictionary<string, double>.Empty.Add("diskB", 10));

        var fine = ProvingForecast.Of(spec, HardwareAssumptions.Default);
        var late = ProvingForecast.Of(spec, slow);

        Assert.Empty(fine.Warnings);
        Assert.True(fine.Makespan < fine.Window.TotalSeconds);
        var warning = Assert.Single(late.Warnings);
        Assert.Contains("disk diskB", warning, StringComparison.Ordinal);
        Assert.Contains("move diskB_post", warning, StringComparison.Ordinal);
        Assert.Contains("k", fine.Gantt(), StringComparison.Ordinal);
    }
}
