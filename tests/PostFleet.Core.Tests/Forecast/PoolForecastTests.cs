using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Tests.Planning;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Forecast;

/// <summary>
/// The forecast counts k2pow against the resource it runs on, as the planner does (K2PowResource): the host's CPU
/// (max-pow), the pool (k2pow.max-pow) or a direct worker, and computes pool k2pow at the workers' hash rate.
/// </summary>
public class PoolForecastTests
{
    private const double Hour = 3600;

    // Host max-pow 1 for diskA and diskE; diskB, diskC, diskD on a pool that runs 2 services' k2pow at once.
    private static readonly string[] Names = ["a1", "b1", "c1", "d1", "e1"];

    // 4 units of 16 KiB read at 16 KiB/h: every read takes 4 h, well inside the 12 h gap.
    private static readonly ProvingEstimates Known = new(
        ImmutableDictionary<string, TimeSpan>.Empty
            .Add("a1", TimeSpan.FromMinutes(2)).Add("b1", TimeSpan.FromMinutes(1)).Add("c1", TimeSpan.FromMinutes(3))
            .Add("d1", TimeSpan.FromMinutes(1)).Add("e1", TimeSpan.FromMinutes(1)),
        ImmutableDictionary<string, double>.Empty.AddRange(new[] { "diskA", "diskB", "diskC", "diskD", "diskE" }.Select(d => KeyValuePair.Create(d, 16384 / Hour))));

    [Fact]
    public void Local_and_pool_k2pow_each_fill_their_own_slots()
    {
        var rows = ProvingForecast.Of(Mixed(), HardwareAssumptions.Default, Known).Rows.ToDictionary(r => r.Service.Name);

        // a1 on the host's one slot, b1 and c1 on the pool's two, all at the opening; d1 takes b1's pool slot after
        // its minute of k2pow, e1 the host's slot after a1's two minutes. One shared slot would have run them in turn.
        Assert.Equal([0, 0, 0, 60, 120], Names.Select(n => rows[n].K2PowStart));
    }

    [Fact]
    public void The_forecast_and_the_planner_agree_on_order_with_a_pool()
    {
        var spec = Mixed();
        var forecast = ProvingForecast.Of(spec, HardwareAssumptions.Default, Known);
        var memory = PlannerMemory.Empty with { Prior = Known };

        // Replay the forecast: at each instant it starts something, the world is what it predicts (earlier starts in
        // k2pow or reading, finished ones delivered), and the planner must start exactly what the forecast starts.
        foreach (var t in forecast.Rows.Select(r => r.K2PowStart).Distinct().Order())
        {
            var world = new WorldView();
            foreach (var row in forecast.Rows)
            {
                if (row.K2PowStart >= t)
                {
                    world.Proving(row.Service.Name);
                }
                else if (t < row.End)
                {
                    world.Proving(row.Service.Name).Running(row.Service.Name, T0.AddSeconds(row.K2PowStart), Proving(t < row.ReadStart ? 0UL : 1024));
                }
                else
                {
                    world.Idle(row.Service.Name);
                }
            }

            var now = T0.AddSeconds(t);
            var plan = Planner.Decide(spec, world.Snapshot(now), memory, now);
            memory = plan.Next;

            Assert.Equal(forecast.Rows.Where(r => r.K2PowStart == t).Select(r => r.Service.Name).Order(), plan.Started().Order());
            Assert.All(forecast.Rows.Where(r => r.K2PowStart > t), r => Assert.Equal(DecisionCode.WaitingForPow, plan.Code(r.Service.Name)));
        }
    }

    [Theory]
    [InlineData(64, 2000)] // 4 groups; 4 workers, 2 services at once: each service gets its share, 2 workers
    [InlineData(16, 1000)] // 1 group: one worker, however large the pool
    public void Pool_k2pow_runs_at_its_workers_rate_one_group_per_worker(int nonces, double serviceHashRate)
    {
        var spec = K2PowPoolRuleTests.WithPool(Mixed(), poolMaxPow: 2, ["diskB", "diskC", "diskD"], workers: 4, hashRate: 1000);
        spec = spec with { Post = spec.Post with { Nonces = nonces } };
        var forecast = ProvingForecast.Of(spec, HardwareAssumptions.Default);
        var rows = forecast.Rows.ToDictionary(r => r.Service.Name);

        var b1 = rows["b1"].Service;
        Assert.Equal(ProvingForecast.K2PowHashes(b1, spec.Post) / serviceHashRate, rows["b1"].ReadStart - rows["b1"].K2PowStart, 6);
        var a1 = rows["a1"].Service;
        Assert.Equal(ProvingForecast.K2PowHashes(a1, spec.Post) / HardwareAssumptions.Default.K2PowHashRate, rows["a1"].ReadStart - rows["a1"].K2PowStart, 6);

        // The CPU warning and `plan`'s header count only this host's k2pow (a1 and e1).
        Assert.Equal(1, forecast.PowSlots);
        Assert.Equal(2 * ProvingForecast.K2PowHashes(a1, spec.Post) / HardwareAssumptions.Default.K2PowHashRate, forecast.CpuBusySeconds, 6);
    }

    private static FleetSpec Mixed()
    {
        var spec = Spec(Limits(maxPow: 1), [("diskA", ["a1"]), ("diskB", ["b1"]), ("diskC", ["c1"]), ("diskD", ["d1"]), ("diskE", ["e1"])]);
        spec = spec with { Node = spec.Node with { Poet = spec.Node.Poet with { CycleGap = TimeSpan.FromHours(12) } } };
        return K2PowPoolRuleTests.WithPool(spec, poolMaxPow: 2, ["diskB", "diskC", "diskD"]);
    }
}
