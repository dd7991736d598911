using System.Globalization;
using System.Text;
using PostFleet.Bench;

namespace PostFleet.Bench.Tests;

/// <summary>
/// The bound on the expected units of a non-anticipative schedule, against schedules that learn each draw only when
/// it ends, simulated over many draws on small over-subscribed fleets; against the clairvoyant bound; and on the exact
/// model against brute force and the exact bound.
/// </summary>
public sealed class UpperBoundNonAnticipativeTests
{
    private const int Draws = 240;

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (var c = 1; c <= 12; c++)
        {
            data.Add(c);
        }

        return data;
    }

    /// <summary>
    /// Every policy's mean over <see cref="Draws"/> fixed seeds stays under the bound plus a margin for sampling error (4
    /// standard errors of that mean, and the fleet's units × 3/Draws for rare events unseen): the bound is on the
    /// expectation; the seeds are fixed, so the test cannot flake.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void No_policy_that_learns_draws_as_they_end_beats_the_bound_on_average(int @case)
    {
        var t = SmallCase(@case);
        var window = t.CycleGap.TotalSeconds;
        var plain = UpperBoundNonAnticipative.Units(t, window, uncertain: true);
        var bound = UpperBoundNonAnticipative.Units(t, window, uncertain: true, adaptive: true);
        Assert.True(bound <= plain + 1e-9, $"case {@case}: with the adaptive disks {bound}, without {plain}");
        var rng = new Random(@case);
        var orders = Enumerable.Range(0, 3).Select(_ => t.Identities.Select(i => i.Index).OrderBy(_ => rng.Next()).ToArray()).ToList();
        var policies = new List<Func<IStrategy>>(Runner.Suite(t));
        foreach (var order in orders)
        {
            policies.Add(() => new InOrder(order, double.PositiveInfinity));

            // Gives up a k2pow that outlasts its budget: the cheap way to use a draw's shortness the bound must allow.
            policies.Add(() => new InOrder(order, 1.1 * t.K2PowHashes(t.Identities[order[0]]) / t.SoloK2PowRate(t.Identities[order[0]])));
        }

        foreach (var make in policies)
        {
            var units = new double[Draws];
            string name = "";
            for (var seed = 1; seed <= Draws; seed++)
            {
                var run = Runner.Run(t, make(), failures: new PassFailures(t, seed), uncertainty: new Uncertainty(seed));
                units[seed - 1] = run.UnitsInGap;
                name = run.Strategy;
            }

            var mean = units.Average();
            var error = Math.Sqrt(units.Sum(u => (u - mean) * (u - mean)) / (Draws - 1) / Draws);
            // 4 standard errors, plus the rule of three for a miss rarer than 3/Draws that these draws never met.
            var margin = (4 * error) + (t.Identities.Sum(i => (double)i.Units) * 3 / Draws);
            Assert.True(mean <= bound + margin, $"case {@case}: {name} proved {mean:0.###} units on average (± {error:0.###}), bound {bound:0.###}");
        }

        // Not vacuous: the case is over-subscribed, so the bound says some units cannot be expected.
        Assert.True(bound < t.Identities.Sum(i => (double)i.Units), $"case {@case}: everything fits ({bound})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void On_the_exact_model_it_is_never_below_the_best_order_found_by_enumeration(int @case)
    {
        var t = SmallCase(@case);
        var window = t.CycleGap.TotalSeconds;
        var work = t.Identities.Select(i => FleetModel.WorkOf(t, i, 0, null, null)).ToList();

        foreach (var adaptive in new[] { false, true })
        {
            var bound = UpperBoundNonAnticipative.Units(t, window, uncertain: false, adaptive);

            Assert.True(bound >= UpperBoundTests.BruteForce(t, work, window) - 1e-9);
            foreach (var make in Runner.Suite(t))
            {
                Assert.True(Runner.Run(t, make()).UnitsInGap <= bound + 1e-9);
            }
        }
    }

    /// <summary>
    /// With exact k2pow both bounds see the same work: the non-anticipative one is a fractional relaxation of the same
    /// capacities (without the first k2pow's head start on the disks), so it is at least the exact optimum and close to
    /// the clairvoyant bound.
    /// </summary>
    [Theory]
    [MemberData(nameof(Suite.Small), MemberType = typeof(Suite))]
    public void On_the_exact_model_it_is_close_to_the_exact_bound(string name)
    {
        var t = Suite.Load(name);
        var work = t.Identities.Select(i => FleetModel.WorkOf(t, i, 0, null, null)).ToList();
        foreach (var window in new[] { t.CycleGap.TotalSeconds, t.Deadline.TotalSeconds })
        {
            var exact = UpperBound.Units(t, work, window);
            var expected = UpperBoundNonAnticipative.Units(t, window, uncertain: false);

            Assert.InRange(expected, exact * 0.98, (exact * 1.03) + 4);
        }
    }

    /// <summary>
    /// Where the CPU decides (cpu-starved: k2pow alone needs more than the gap), the clairvoyant bound keeps the identities
    /// whose draws came out short; no schedule that learns a draw when it ends can, so the expected bound is lower.
    /// </summary>
    [Fact]
    public void Where_the_cpu_decides_it_is_below_the_clairvoyant_mean()
    {
        var t = Suite.Load("cpu-starved");
        var window = t.CycleGap.TotalSeconds;
        var clairvoyant = Enumerable.Range(1, 10).Average(seed =>
            UpperBound.Units(t, [.. t.Identities.Select(i => FleetModel.WorkOf(t, i, 1, new PassFailures(t, seed), new Uncertainty(seed)))], window));

        var expected = UpperBoundNonAnticipative.Units(t, window, uncertain: true);

        Assert.True(expected < clairvoyant - 5, $"non-anticipative {expected:0.#}, clairvoyant mean {clairvoyant:0.#}");
    }

    /// <summary>
    /// On every repo topology each disk's adaptive program fits (none falls back to the knapsack alone) and the bound
    /// with it is never above the one without, in the gap and by the deadline.
    /// </summary>
    [Theory]
    [MemberData(nameof(Suite.Small), MemberType = typeof(Suite))]
    [InlineData("large-2000")]
    public void With_the_adaptive_disks_it_is_solved_on_every_disk_and_only_tighter(string name)
    {
        var t = Suite.Load(name);
        foreach (var window in new[] { t.CycleGap.TotalSeconds, t.Deadline.TotalSeconds })
        {
            var plain = UpperBoundNonAnticipative.PerPool(t, window, uncertain: true);
            var adaptive = UpperBoundNonAnticipative.PerPool(t, window, uncertain: true, adaptive: true, out var fellBack);

            Assert.Equal(0, fellBack);
            Assert.All(adaptive.Zip(plain), x => Assert.True(x.First <= x.Second + 1e-9, $"{name}: {x.First} > {x.Second}"));
        }
    }

    [Fact]
    public void The_per_pool_shares_add_up_and_a_fleet_that_fits_is_bounded_by_its_units()
    {
        var t = Suite.Load("mixed-100");
        var shares = UpperBoundNonAnticipative.PerPool(t, t.Deadline.TotalSeconds, uncertain: true);

        Assert.Equal(t.Hosts.Length, shares.Length);
        Assert.InRange(shares.Sum(), t.Identities.Sum(i => (double)i.Units) - 1e-6, t.Identities.Sum(i => (double)i.Units) + 1e-6);
    }

    [Theory]
    [InlineData(1, 0.6321205588285577)]
    [InlineData(8, 0.5470391905130055)]
    [InlineData(18, 0.0)]
    public void Gamma_cdf_matches_known_values(int shape, double expected)
    {
        var x = shape == 18 ? 0.0 : shape;
        Assert.Equal(expected, UpperBoundNonAnticipative.GammaCdf(shape, x), 9);
        Assert.Equal(0.5, UpperBoundNonAnticipative.NormalCdf(0), 7);
        Assert.Equal(0.9772498680518208, UpperBoundNonAnticipative.NormalCdf(2), 6);
    }

    /// <summary>Starts identities in a fixed order as the pool's slots free; optionally stops a k2pow that outlasts a budget.</summary>
    private sealed class InOrder(int[] order, double budget) : IStrategy
    {
        private readonly HashSet<int> _abandoned = [];

        public string Name => double.IsFinite(budget) ? $"order {string.Join(',', order)}, give up after {budget:0} s" : $"order {string.Join(',', order)}";

        public StrategyCaps Caps { get; } = new();

        public void BeginEpoch(FleetModel model, int epoch) => _abandoned.Clear();

        public double Decide(FleetModel model, int host)
        {
            var wake = double.PositiveInfinity;
            foreach (var job in model.JobsOf(host).Where(j => j.Phase == JobPhase.K2Pow && j.Pass == 0 && double.IsFinite(budget)))
            {
                if (model.Now - job.StartedAt >= budget - 1e-6)
                {
                    model.Stop(job);
                    _abandoned.Add(job.Identity.Index);
                }
                else
                {
                    wake = Math.Min(wake, job.StartedAt + budget);
                }
            }

            var busy = model.JobsOf(host).Count(j => j.Phase is JobPhase.Starting or JobPhase.K2Pow);
            foreach (var index in order)
            {
                var job = model.Jobs[index];
                if (busy >= model.Topology.PowSlots(host) || job.Identity.Host != host || job.Phase != JobPhase.Waiting || job.Running || _abandoned.Contains(index))
                {
                    continue;
                }

                // Just in time for its disk: one identity of a disk in k2pow at once, started when the disk's reads
                // have no longer left than its expected k2pow (the read's position is what the daemon sees).
                var disk = model.JobsOf(host).Where(j => j.Identity.Disk == job.Identity.Disk && j.Running).ToList();
                var readLeft = disk.Where(j => j.Phase == JobPhase.Reading && j.Rate > 0).Select(j => j.BytesLeft / j.Rate).DefaultIfEmpty(0).Max();
                var k2pow = model.Topology.K2PowHashes(job.Identity) / model.Topology.SoloK2PowRate(job.Identity);
                if (disk.Any(j => j.Phase is JobPhase.Starting or JobPhase.K2Pow))
                {
                    continue;
                }

                if (readLeft > k2pow)
                {
                    wake = Math.Min(wake, model.Now + readLeft - k2pow);
                    continue;
                }

                model.Start(job);
                busy++;
            }

            return wake;
        }
    }

    /// <summary>
    /// A small fleet that does not fit: 1 or 2 hosts (or a remote pool), 1–2 disks each, 3–6 identities of 1–5 units (1 GiB
    /// each, read at 1 GiB/h), k2pow of 0.1–1 h per unit, a 3–8 h gap, nonces 16 (passes fail often) or 128.
    /// </summary>
    private static Topology SmallCase(int @case)
    {
        var rng = new Random(1000 + @case);
        var hosts = 1 + (@case % 2);
        var k2powHoursPerUnit = new[] { 0.1, 0.5, 1.0 }[@case % 3];
        var nonces = @case % 4 == 0 ? 16 : 128;
        var yaml = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"cycle-gap: {rng.Next(3, 9)}h\nnonces: {nonces}\ngib-per-unit: 1\nrandomx-mode: light\nhashes-per-unit-group: {k2powHoursPerUnit * 3600 * 500 / (nonces / 16.0)}\n"));
        if (@case % 5 == 0)
        {
            yaml.Append("remote-k2pow: { workers: 1, hashrate: 500 }\n");
        }

        yaml.Append("hosts:\n");
        var index = 0;
        for (var h = 0; h < hosts; h++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - name: h{h}\n    cores: {1 + (@case % 3 == 0 ? 1 : 0)}\n    hashrate-per-core: 500\n    pow-threads: 1\n    disks:\n");
            for (var d = 0; d < 1 + rng.Next(2); d++)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      - name: h{h}d{d}\n        mib-s: {1024.0 / 3600}\n        identities:\n");
                for (var i = 0; i < 1 + rng.Next(3); i++)
                {
                    yaml.Append(CultureInfo.InvariantCulture, $"          - {{ name: i{index++}, units: {rng.Next(1, 6)} }}\n");
                }
            }
        }

        return Topology.Parse(yaml.ToString(), $"case{@case}");
    }
}
