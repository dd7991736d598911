using PostFleet.Bench;

namespace PostFleet.Bench.Tests;

/// <summary>
/// The per-disk adaptive optimum against brute force: every decision tree (which identity to read next after each
/// sequence of pass outcomes, or stop) on tiny one-disk instances, each tree scored over every vector of pass
/// outcomes with its probability. The program keeps at most one failed identity open (a second failure is credited
/// as a success), so it is the best tree exactly where two failures cannot both be open, and above it otherwise by
/// at most the chance of two failures times the units; above it too where reads are rounded down to a grid.
/// </summary>
public sealed class UpperBoundAdaptiveDiskTests
{
    public static TheoryData<double[], double, double> Tiny() => new()
    {
        { [1, 2], 4, 0.3 },
        { [1, 1, 2], 3, 0.25 },
        { [2, 3, 1], 4, 0.5 },
        { [1, 2, 3], 5, 0.1 },
        { [1, 1, 2, 3], 3, 0.4 },
        { [2, 2, 3, 1], 4, 0 },
        { [3, 1], 4, 0.6 },
    };

    [Theory]
    [MemberData(nameof(Tiny))]
    public void It_is_the_best_decision_tree_when_reads_are_whole_steps(double[] units, double window, double failure)
    {
        var seconds = units.Select(u => u * 100).ToArray();
        var twoFailures = failure * failure * units.Length * (units.Length - 1) / 2 * units.Sum();

        var optimum = UpperBoundAdaptiveDisk.Solve(units, seconds, seconds, failure, window * 100)!;
        var best = BestTree(units, seconds, seconds, failure, window * 100);

        Assert.InRange(optimum.Units(window * 100), best - 1e-9, best + twoFailures + 1e-9);
        Assert.True(best > 0);

        // Later reads faster than first ones (the bound's fastest factor after a failure), on the same steps.
        var again = units.Select(u => u * 90).ToArray();
        Assert.InRange(
            UpperBoundAdaptiveDisk.Solve(units, seconds, again, failure, window * 100)!.Units(window * 100),
            BestTree(units, seconds, again, failure, window * 100) - 1e-9,
            BestTree(units, seconds, again, failure, window * 100) + twoFailures + 1e-9);

        // Exact for one identity (one failed open at most) and without failures (the knapsack).
        Assert.Equal(BestTree([units[0]], [seconds[0]], [seconds[0]], failure, window * 100), UpperBoundAdaptiveDisk.Solve([units[0]], [seconds[0]], [seconds[0]], failure, window * 100)!.Units(window * 100), 9);
        Assert.Equal(BestTree(units, seconds, seconds, 0, window * 100), UpperBoundAdaptiveDisk.Solve(units, seconds, seconds, 0, window * 100)!.Units(window * 100), 9);
    }

    [Theory]
    [MemberData(nameof(Tiny))]
    public void Rounded_to_a_grid_it_stays_above_the_best_decision_tree(double[] units, double window, double failure)
    {
        // Reads not proportional to units (one a little faster per unit): no common step, so the grid rounds them down.
        var seconds = units.Select((u, i) => (u * 100) - (i * 7.3)).ToArray();

        var again = seconds.Select(x => x / 1.1).ToArray();
        var optimum = UpperBoundAdaptiveDisk.Solve(units, seconds, again, failure, window * 100)!;
        var best = BestTree(units, seconds, again, failure, window * 100);

        var twoFailures = failure * failure * units.Length * (units.Length - 1) / 2 * units.Sum();
        Assert.InRange(optimum.Units(window * 100), best - 1e-9, best + (0.05 * units.Sum()) + twoFailures);
    }

    /// <summary>
    /// With read factors: the best decision tree of a schedule that knows every pass's factor in advance (more than any
    /// schedule learns), averaged over every assignment of factors to the first and second passes, stays under the
    /// optimum with first reads at factor 1, later ones at the fastest, and the first reads' savings as extra budget.
    /// </summary>
    [Theory]
    [InlineData(new double[] { 1, 2 }, 3.2, 0.3)]
    [InlineData(new double[] { 2, 2 }, 4.1, 0.4)]
    [InlineData(new double[] { 1, 3 }, 3.9, 0.2)]
    [InlineData(new double[] { 1, 1, 2 }, 2.95, 0.5)]
    public void With_read_factors_no_schedule_that_knows_them_all_beats_it(double[] units, double window, double failure)
    {
        (double Factor, double Chance)[] factors = [(0.9, 0.25), (1.0, 0.5), (1.1, 0.25)];
        var nominal = units.Select(u => u * 100).ToArray();
        var capacity = window * 100;
        var savings = UpperBoundAdaptiveDisk.Savings(nominal, factors);
        var optimum = UpperBoundAdaptiveDisk.Solve(units, nominal, [.. nominal.Select(d => d / 1.1)], failure, capacity + savings.Max(x => x.Seconds))!;
        var bound = savings.Sum(x => x.Chance * optimum.Units(capacity + x.Seconds));

        // Every (first factor, later factor) per identity: 9^n assignments.
        var n = units.Length;
        var expected = 0.0;
        for (var code = 0; code < (int)Math.Pow(9, n); code++)
        {
            var (first, again, chance) = (new double[n], new double[n], 1.0);
            for (int i = 0, rest = code; i < n; i++, rest /= 9)
            {
                var (f0, p0) = factors[rest % 9 % 3];
                var (f1, p1) = factors[rest % 9 / 3];
                (first[i], again[i], chance) = (nominal[i] / f0, nominal[i] / f1, chance * p0 * p1);
            }

            expected += chance * BestTree(units, first, again, failure, capacity);
        }

        Assert.Equal(1, savings.Sum(x => x.Chance), 9);
        Assert.True(bound >= expected - 1e-9, $"bound {bound}, best with every factor known {expected}");

        // And tighter than reading at the fastest factor throughout, the relaxation it replaces.
        var fastest = UpperBoundAdaptiveDisk.Solve(units, [.. nominal.Select(d => d / 1.1)], [.. nominal.Select(d => d / 1.1)], failure, capacity)!.Units(capacity);
        Assert.True(bound <= fastest + 1e-9, $"bound {bound}, at the fastest factor {fastest}");
    }

    [Fact]
    public void Failed_passes_cost_units_only_where_the_disk_is_full()
    {
        double[] units = [4, 8, 8, 12];
        var seconds = units.Select(u => u * 100).ToArray();

        var full = UpperBoundAdaptiveDisk.Solve(units, seconds, seconds, 0.05, 3200)!;
        var free = UpperBoundAdaptiveDisk.Solve(units, seconds, seconds, 0, 3200)!;

        // Without failures it is the knapsack; with them, a disk with room to spare still proves nearly everything,
        // while a full one loses what a second read crowds out.
        Assert.Equal(UpperBound.Knapsack(units, seconds, 3200), free.Units(3200), 9);
        Assert.Equal(32, free.Units(3200), 9);
        Assert.True(full.Units(3200) < 32 - 1);
        Assert.True(UpperBoundAdaptiveDisk.Solve(units, seconds, seconds, 0.05, 10_000)!.Units(10_000) > 32 - 1e-3);
        Assert.Equal(0, full.Units(399), 9);
        Assert.Equal(0.95 * 4, full.Units(400), 9);
    }

    [Fact]
    public void Too_many_kinds_of_identity_give_up_rather_than_run_long()
    {
        var units = Enumerable.Range(1, 40).Select(u => (double)u).ToArray();
        var seconds = units.Select(u => u * 10).ToArray();

        Assert.Null(UpperBoundAdaptiveDisk.Solve(units, seconds, seconds, 0.05, 8000));
    }

    /// <summary>
    /// The best expected units over every decision tree: each tree is built explicitly (a node per history of reads and
    /// outcomes, its action an identity still open whose read fits, or stop) and scored on every outcome vector.
    /// </summary>
    private static double BestTree(double[] units, double[] first, double[] again, double failure, double window)
    {
        var passes = first.Select((s, i) => s > window + 1e-9 ? 0 : 1 + (int)Math.Floor(((window - s) / again[i]) + 1e-9)).ToArray();
        var bits = passes.Sum();
        Assert.True(bits <= 16, "instance too large to enumerate");
        var trees = Trees(units.Length, (1 << units.Length) - 1, 0, window, first, again);
        Assert.True(trees.Count is > 0 and <= 2_000_000, $"{trees.Count} trees");

        var best = 0.0;
        foreach (var tree in trees)
        {
            var expected = 0.0;
            for (var outcome = 0; outcome < 1 << bits; outcome++)
            {
                var chance = 1.0;
                for (var b = 0; b < bits; b++)
                {
                    chance *= (outcome >> b & 1) == 1 ? failure : 1 - failure;
                }

                if (chance > 0)
                {
                    expected += chance * Play(tree, outcome, units, passes);
                }
            }

            best = Math.Max(best, expected);
        }

        return best;
    }

    /// <summary>Units a tree proves when pass p of identity i fails iff bit (offset of i + p) of the outcome is set.</summary>
    private static double Play(Node? node, int outcome, double[] units, int[] passes)
    {
        var pass = new int[units.Length];
        var proved = 0.0;
        while (node is not null)
        {
            var i = node.Identity;
            var bit = passes.Take(i).Sum() + pass[i]++;
            if ((outcome >> bit & 1) == 1)
            {
                node = node.Failed;
            }
            else
            {
                proved += units[i];
                node = node.Proved;
            }
        }

        return proved;
    }

    private sealed record Node(int Identity, Node? Proved, Node? Failed);

    /// <summary>
    /// Every tree from this state: stop (null), or read an open identity that fits (its first read, or a later one once
    /// a pass failed) and continue by its outcome.
    /// </summary>
    private static List<Node?> Trees(int n, int open, int read, double left, double[] first, double[] again)
    {
        var all = new List<Node?> { null };
        for (var i = 0; i < n; i++)
        {
            var seconds = (read >> i & 1) == 1 ? again[i] : first[i];
            if ((open >> i & 1) == 0 || seconds > left + 1e-9)
            {
                continue;
            }

            var proved = Trees(n, open & ~(1 << i), read | (1 << i), left - seconds, first, again);
            var failed = Trees(n, open, read | (1 << i), left - seconds, first, again);
            foreach (var p in proved)
            {
                foreach (var f in failed)
                {
                    all.Add(new Node(i, p, f));
                }
            }
        }

        return all;
    }
}
