using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// The window's order (ProvingOrder) on a fleet that does not fit: diskA holds 16 h of reads in a 12 h gap, b1 alone
/// needs 20 h, and the deadline (24 h after the gap opens) leaves no room for b1 after b2. One k2pow takes a minute.
/// </summary>
public class WindowOrderTests
{
    private const double Hour = 3600;

    // 1 unit = 16 KiB (Fleet's post settings); at 16384/3600 B/s one unit reads in an hour.
    private static readonly ProvingEstimates Known = new(
        ImmutableDictionary<string, TimeSpan>.Empty.AddRange(new[] { "a1", "a2", "a3", "b1", "b2", "c1" }.Select(n => KeyValuePair.Create(n, TimeSpan.FromMinutes(1)))),
        ImmutableDictionary<string, double>.Empty.Add("diskA", 16384 / Hour).Add("diskB", 16384 / Hour).Add("diskC", 16384 / Hour));

    [Fact]
    public void Admission_is_largest_first_against_each_disk_and_the_deadline()
    {
        var outlook = ProvingOrder.Admit(Work(OverSubscribed()), powSlots: 0, new ProvingWindow(12 * Hour, 24 * Hour));

        Assert.Equal(ProofOutlook.InGap, outlook["a1"]); // 8 h: the largest on diskA goes in first
        Assert.Equal(ProofOutlook.BeforeDeadline, outlook["a2"]); // 6 h after 8 h does not fit; a3 (2 h) does
        Assert.Equal(ProofOutlook.InGap, outlook["a3"]);
        Assert.Equal(ProofOutlook.InGap, outlook["b2"]);
        Assert.Equal(ProofOutlook.WillMiss, outlook["b1"]); // 20 h alone: not in the gap; after b2 past the deadline
        Assert.Equal(ProofOutlook.InGap, outlook["c1"]);
    }

    [Fact]
    public void When_everything_fits_every_proof_is_in_the_gap()
    {
        var outlook = ProvingOrder.Admit(Work(OverSubscribed()), powSlots: 0, new ProvingWindow(40 * Hour, 80 * Hour));
        Assert.All(outlook.Values, o => Assert.Equal(ProofOutlook.InGap, o));
    }

    [Fact]
    public void A_large_identity_is_never_left_out_for_a_smaller_one()
    {
        var random = new Random(13);
        var leftOutBySpread = 0;
        for (var i = 0; i < 4000; i++)
        {
            var work = Enumerable.Range(0, random.Next(2, 9))
                .Select(n => new ProofWork(Service($"s{n}", $"d{random.Next(2)}", (uint)random.Next(1, 30), n), random.Next(10, 5 * (int)Hour), random.Next(1, 20) * Hour))
                .ToList();
            var slots = random.Next(0, 3);
            var gap = random.Next(1, 30) * Hour;
            var draws = new[] { 0, 1, 8, 18 }[random.Next(4)];
            var outlook = ProvingOrder.Admit(work, slots, new ProvingWindow(gap, null), k2powDraws: draws);
            var minRead = work.Min(w => w.Read);
            double Variance(double k2pow) => draws == 0 ? 0 : FinishChance.K2PowVariance(k2pow, draws);
            foreach (var left in work.Where(w => outlook[w.Service.Name] != ProofOutlook.InGap))
            {
                // Left out only if it would not finish surely enough even with every smaller identity out of the gap too.
                var larger = work.Where(w => outlook[w.Service.Name] == ProofOutlook.InGap && w.Service.NumUnits >= left.Service.NumUnits).ToList();
                var firstK2Pow = work.Where(w => w.Service.Disk == left.Service.Disk).Min(w => w.K2Pow);
                var disk = larger.Where(w => w.Service.Disk == left.Service.Disk).Sum(w => w.Read) + firstK2Pow + left.Read;
                var queue = larger.Append(left).ToList();
                var cpu = slots == 0 ? 0 : FinishChance.Sure(queue.Sum(w => w.K2Pow) / slots, queue.Sum(w => Variance(w.K2Pow)) / slots / slots) + minRead;
                var own = FinishChance.Sure(left.K2Pow, Variance(left.K2Pow)) + left.Read;
                Assert.True(own > gap || disk > gap || cpu > gap,
                    $"case {i}: {left.Service.Name} ({left.Service.NumUnits} SU) left out of the gap though it finishes surely enough beside the larger ones");
                var meanCpu = slots == 0 ? 0 : (queue.Sum(w => w.K2Pow) / slots) + minRead;
                if (left.K2Pow + left.Read <= gap && disk <= gap && meanCpu <= gap)
                {
                    leftOutBySpread++; // it fits on the means: only the chance of finishing kept it out
                }
            }
        }

        Assert.True(leftOutBySpread > 0, "no case where only the k2pow's spread kept an identity out of the gap");
    }

    /// <summary>
    /// One k2pow slot, 2 h of gap left, 128 nonces (8 draws): big's k2pow and read take 1h50m on the means, so it
    /// finishes in the gap only about two times in three, and on the means it leaves no room for small; small (1h15m)
    /// finishes surely. By the means big is admitted to the gap; by the chance of finishing small is, and big waits.
    /// </summary>
    [Fact]
    public void At_the_gaps_end_a_proof_that_finishes_about_half_the_time_goes_after_one_that_surely_does()
    {
        List<ProofWork> work =
        [
            new(Service("big", "d0", 20, 0), 50 * 60, 60 * 60),
            new(Service("small", "d1", 10, 1), 30 * 60, 45 * 60),
        ];
        var window = new ProvingWindow(2 * Hour, 24 * Hour);

        var byMean = ProvingOrder.Admit(work, powSlots: 1, window);
        var byChance = ProvingOrder.Admit(work, powSlots: 1, window, k2powDraws: 8);

        Assert.Equal(ProofOutlook.InGap, byMean["big"]);
        Assert.Equal(ProofOutlook.BeforeDeadline, byMean["small"]);
        Assert.Equal(ProofOutlook.BeforeDeadline, byChance["big"]);
        Assert.Equal(ProofOutlook.InGap, byChance["small"]);
        Assert.InRange(FinishChance.Within(50 * 60, FinishChance.K2PowVariance(50 * 60, 8), 60 * 60), 0.6, FinishChance.Level);
    }

    /// <summary>
    /// The same through the planner: one k2pow slot, 128 nonces, the gap's last 2 h, both 4 SU. Config order puts slow
    /// first, but its k2pow (50 min) and read (1 h) finish in the gap only about two times in three; the planner starts
    /// quick (30 min and 45 min), which surely does. From the gap's opening both fit surely (the forecast agrees).
    /// </summary>
    [Fact]
    public void On_an_oversubscribed_slot_the_planner_starts_the_identity_that_can_finish()
    {
        var spec = Spec(Limits(maxPow: 1), [("d0", ["slow"]), ("d1", ["quick"])]);
        spec = spec with
        {
            Post = spec.Post with { Nonces = 128 },
            Node = spec.Node with { Poet = spec.Node.Poet with { CycleGap = TimeSpan.FromHours(12) } },
        };
        var known = new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty.Add("slow", TimeSpan.FromMinutes(50)).Add("quick", TimeSpan.FromMinutes(30)),
            ImmutableDictionary<string, double>.Empty.Add("d0", 4 * 16384 / Hour).Add("d1", 4 * 16384 / (0.75 * Hour)));
        var world = new WorldView().Proving("slow", "quick");
        var now = T0.AddHours(10);

        var plan = Planner.Decide(spec, world.Snapshot(now) with { Window = Gap() }, PlannerMemory.Empty with { Prior = known }, now);
        Assert.Equal(["quick"], plan.Started());
        Assert.NotEqual(DecisionCode.Start, plan.Code("slow"));

        // With the gap's whole 12 h left, both surely finish: config order again.
        var atOpening = Planner.Decide(spec, world.Snapshot(T0) with { Window = Gap() }, PlannerMemory.Empty with { Prior = known }, T0);
        Assert.Equal(["slow"], atOpening.Started());
        var forecast = ProvingForecast.Of(spec, HardwareAssumptions.Default, known, TimeSpan.FromHours(24));
        Assert.All(forecast.Rows, r => Assert.Equal(ProofOutlook.InGap, r.Outlook));
    }

    [Fact]
    public void A_proof_that_will_miss_starts_last_once_nothing_that_can_make_it_waits()
    {
        var spec = OverSubscribed();
        var world = new WorldView().Proving("a1", "a2", "a3", "b1", "b2", "c1");
        foreach (var name in new[] { "a1", "a2", "a3", "b2", "c1" })
        {
            world.Running(name, T0, Proving(0));
        }

        var plan = Planner.Decide(spec, world.Snapshot(T0) with { Window = Gap() }, PlannerMemory.Empty with { Prior = Known }, T0);
        Assert.NotEqual(DecisionCode.WillMissDeadline, plan.Code("b1"));
    }

    [Fact]
    public void The_forecast_and_the_planner_agree_on_order()
    {
        var spec = OverSubscribed();
        var forecast = ProvingForecast.Of(spec, HardwareAssumptions.Default, Known, TimeSpan.FromHours(24));
        var world = new WorldView().Proving("a1", "a2", "a3", "b1", "b2", "c1");
        var plan = Planner.Decide(spec, world.Snapshot(T0) with { Window = Gap() }, PlannerMemory.Empty with { Prior = Known }, T0);

        // What starts at the gap's opening in the forecast is what the planner starts; each proof's outlook is the same.
        Assert.Equal(forecast.Rows.Where(r => r.K2PowStart == 0).Select(r => r.Service.Name).Order(), plan.Started().Order());
        foreach (var row in forecast.Rows)
        {
            var planner = plan.Code(row.Service.Name) switch
            {
                DecisionCode.WillMissDeadline => ProofOutlook.WillMiss,
                DecisionCode.WaitingForGapProofs => ProofOutlook.BeforeDeadline,
                _ => ProofOutlook.InGap,
            };
            Assert.True(planner == row.Outlook, $"{row.Service.Name}: planner {planner}, forecast {row.Outlook}");
        }

        // And the forecast places every proof of a worse outlook after every better one has started.
        foreach (var worse in forecast.Rows)
        {
            Assert.All(forecast.Rows.Where(r => r.Outlook < worse.Outlook), better => Assert.True(better.K2PowStart <= worse.K2PowStart));
        }
    }

    [Fact]
    public void Plan_does_not_tell_an_identity_larger_than_the_window_to_move_to_a_new_disk()
    {
        var forecast = ProvingForecast.Of(OverSubscribed(), HardwareAssumptions.Default, Known, TimeSpan.FromHours(24));

        var b1 = Assert.Single(forecast.Warnings, w => w.StartsWith("b1:", StringComparison.Ordinal));
        Assert.Contains("split it into identities of at most 11 SU", b1, StringComparison.Ordinal);
        Assert.Contains("another disk of the same speed would not help", b1, StringComparison.Ordinal);
        Assert.DoesNotContain(forecast.Warnings, w => w.Contains("move b1", StringComparison.Ordinal));
    }

    private static CycleGapWindow Gap() => new(2, T0, T0.AddHours(11), T0.AddHours(12), T0.AddHours(24));

    private static List<ProofWork> Work(FleetSpec spec) =>
        [.. spec.Services.Select(s => new ProofWork(s, 60, s.NumUnits * Hour))];

    private static ServiceSpec Service(string name, string disk, uint units, int order) =>
        new(name, disk, $"/post/{name}", units, $"127.0.0.1:{10051 + order}", [], order);

    private static FleetSpec OverSubscribed()
    {
        var spec = Spec(Limits(maxPow: 0), [("diskA", []), ("diskB", []), ("diskC", [])]);
        return spec with
        {
            Node = spec.Node with { Poet = spec.Node.Poet with { CycleGap = TimeSpan.FromHours(12) } },
            Disks =
            [
                new DiskSpec("diskA", [Service("a1", "diskA", 8, 0), Service("a2", "diskA", 6, 1), Service("a3", "diskA", 2, 2)]),
                new DiskSpec("diskB", [Service("b1", "diskB", 20, 0), Service("b2", "diskB", 10, 1)]),
                new DiskSpec("diskC", [Service("c1", "diskC", 3, 0)]),
            ],
        };
    }
}
