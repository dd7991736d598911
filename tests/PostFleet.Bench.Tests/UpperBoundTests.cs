using PostFleet.Bench;

namespace PostFleet.Bench.Tests;

/// <summary>
/// The upper bound on provable units against brute force on small cases: every order of the identities, each
/// proved alone on the CPU (one slot: start-up and k2pow), its read when its k2pow is done and its disk is free,
/// with the epoch's draws and failed passes; the best order's units within the window can never beat the bound.
/// </summary>
public sealed class UpperBoundTests
{
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 40; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_bound_is_never_below_the_best_order_found_by_enumeration(int seed)
    {
        var (t, work, window) = SmallCase(seed);

        var bound = UpperBound.Units(t, work, window);
        var best = BruteForce(t, work, window);

        Assert.True(bound >= best - 1e-9, $"seed {seed}: bound {bound} < best {best}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void No_strategy_in_the_model_proves_more_than_the_bound_nor_beats_the_lower_bound(int seed)
    {
        var (t, _, _) = SmallCase(seed);
        var uncertainty = new Uncertainty(seed);
        var failures = new PassFailures(t, seed);
        var work = t.Identities.Select(i => FleetModel.WorkOf(t, i, 1, failures, uncertainty)).ToList();
        var bound = UpperBound.Units(t, work, t.CycleGap.TotalSeconds);

        var lower = LowerBound.Of(t, work);
        foreach (var make in Runner.Suite(t))
        {
            var run = Runner.Run(t, make(), failures: failures, uncertainty: uncertainty);
            Assert.True(run.UnitsInGap <= bound + 1e-9, $"seed {seed}: {run.Strategy} proved {run.UnitsInGap} units in the gap, bound {bound}");
            Assert.True(run.Makespan >= lower.Seconds - 1e-6, $"seed {seed}: {run.Strategy} finished in {run.Makespan} s, below the lower bound {lower.Seconds} s");
        }
    }

    [Fact]
    public void The_bound_is_exact_when_one_disk_decides()
    {
        // Reads of 4, 3 and 2 h after k2pow of 75 s per unit, in a 6 h gap: 4 + 2 is 6 h and the first k2pow does not
        // fit; 3 + 2 does: the best proves 5 units, and so does the knapsack.
        var t = Topology.Parse(Yaml(cycleGap: "6h", disks: 1, units: [4, 3, 2]), "exact");
        var work = t.Identities.Select(i => FleetModel.WorkOf(t, i, 0, null, null)).ToList();

        Assert.Equal(5, BruteForce(t, work, 6 * 3600));
        Assert.Equal(5, UpperBound.Units(t, work, 6 * 3600));
    }

    [Fact]
    public void An_identity_larger_than_the_window_is_not_provable_in_it()
    {
        var t = Topology.Parse(Yaml(cycleGap: "6h", disks: 2, units: [7, 1]), "giant");
        var work = t.Identities.Select(i => FleetModel.WorkOf(t, i, 0, null, null)).ToList();

        Assert.Equal(1, UpperBound.Units(t, work, 6 * 3600));
        Assert.Equal(8, UpperBound.Units(t, work, 9 * 3600));
    }

    internal static double BruteForce(Topology t, IReadOnlyList<IdentityWork> work, double window)
    {
        var best = 0.0;
        foreach (var order in LowerBoundTests.Permutations([.. work]))
        {
            double cpuFree = 0;
            var diskFree = new double[t.Disks.Length];
            double units = 0;
            foreach (var w in order)
            {
                double ready = 0;
                for (var p = 0; p < w.Passes.Length; p++)
                {
                    var cpu = (p == 0 ? w.Startup : 0) + (w.Passes[p].Hashes / t.SoloK2PowRate(w.Identity));
                    var read = t.DataBytes(w.Identity) / (t.SoloReadRate(w.Identity) * w.Passes[p].Jitter);
                    var start = Math.Max(cpuFree, ready);
                    var readStart = Math.Max(start + cpu, diskFree[w.Identity.Disk]);
                    cpuFree = start + cpu;
                    ready = diskFree[w.Identity.Disk] = readStart + read;
                }

                units += ready <= window ? w.Identity.Units : 0;
            }

            best = Math.Max(best, units);
        }

        return best;
    }

    private static (Topology T, List<IdentityWork> Work, double Window) SmallCase(int seed)
    {
        var rng = new Random(seed);
        var units = Enumerable.Range(0, 3 + (seed % 3)).Select(_ => rng.Next(1, 6)).ToArray();
        var nonces = seed % 4 == 0 ? 16 : 128;
        var gapHours = rng.Next(2, 9);
        var t = Topology.Parse(Yaml($"{gapHours}h", 1 + (seed % 2), units, nonces, light: seed % 3 == 0), "small");
        var uncertainty = new Uncertainty(seed);
        var failures = new PassFailures(t, seed);
        return (t, [.. t.Identities.Select(i => FleetModel.WorkOf(t, i, 1, failures, uncertainty))], t.CycleGap.TotalSeconds);
    }

    // 1 unit = 1 GiB read at 1 GiB/h on 1-core hosts: units are read hours; k2pow of a unit is 4687.5 × nonces/16 H at 500 H/s.
    private static string Yaml(string cycleGap, int disks, int[] units, int nonces = 128, bool light = false)
    {
        var yaml = new System.Text.StringBuilder(
            $"cycle-gap: {cycleGap}\nnonces: {nonces}\ngib-per-unit: 1\nrandomx-mode: {(light ? "light" : "fast")}\nhosts:\n  - name: h\n    cores: 1\n    disks:\n");
        for (var d = 0; d < disks; d++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"      - name: d{d}\n        mib-s: {1024.0 / 3600}\n        identities:\n");
            for (var i = d; i < units.Length; i += disks)
            {
                yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"          - {{ name: i{i}, units: {units[i]} }}\n");
            }
        }

        return yaml.ToString();
    }
}
