using PostFleet.Bench;

namespace PostFleet.Bench.Tests;

/// <summary>
/// The per-disk adaptive optimum against brute force: every decision tree (which identity to read next after each
/// sequence of pass outcomes, or stop) on tiny one-disk instances, each tree scored over every vector of pass
/// outcomes with its probability. The optimum is exactly the best tree where its step is exact, and above it where
/// reads are rounded down to a grid.
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

        var optimum = UpperBoundAdaptiveDisk.Solve(units, seconds, failure, window * 100)!;
        var best = BestTree(units, seconds, failure, window * 100);

        Assert.Equal(best, optimum.Units(window * 100), 9);
        Assert.True(best > 0);
    }

    [Theory]
    [MemberData(nameof(Tiny))]
    public void Rounded_to_a_grid_it_stays_above_the_best_decision_tree(double[] units, double window, double failure)
    {
        // Reads not proportional to units (one a little faster per unit): no common step, so the grid rounds them down.
        var seconds = units.Select((u, i) => (u * 100) - (i * 7.3)).ToArray();

        var optimum = UpperBoundAdaptiveDisk.Solve(units, seconds, failure, window * 100)!;
        var best = BestTree(units, seconds, failure, window * 100);

        Assert.InRange(optimum.Units(window * 100), best - 1e-9, best + 0.05 * units.Sum());
    }

    [Fact]
    public void Failed_passes_cost_units_only_where_the_disk_is_full()
    {
        double[] units = [4, 8, 8, 12];
        var seconds = units.Select(u => u * 100).ToArray();

        var full = UpperBoundAdaptiveDisk.Solve(units, seconds, 0.05, 3200)!;
        var free = UpperBoundAdaptiveDisk.Solve(units, seconds, 0, 3200)!;

        // Without failures it is the knapsack; with them, a disk with room to spare still proves nearly everything,
        // while a full one loses what a second read crowds out.
        Assert.Equal(UpperBound.Knapsack(units, seconds, 3200), free.Units(3200), 9);
        Assert.Equal(32, free.Units(3200), 9);
        Assert.True(full.Units(3200) < 32 - 1);
        Assert.True(UpperBoundAdaptiveDisk.Solve(units, seconds, 0.05, 10_000)!.Units(10_000) > 32 - 1e-3);
        Assert.Equal(0, full.Units(399), 9);
        Assert.Equal(0.95 * 4, full.Units(400), 9);
    }

    [Fact]
    public void Too_many_kinds_of_identity_give_up_rather_than_run_long()
    {
        var units = Enumerable.Range(1, 40).Select(u => (double)u).ToArray();
        var seconds = units.Select(u => u * 10).ToArray();

        Assert.Null(UpperBoundAdaptiveDisk.Solve(units, seconds, 0.05, 8000));
    }

    /// <summary>
    /// The best expected units over every decision tree: each tree is built explicitly (a node per history of reads and
    /// outcomes, its action an identity still open whose read fits, or stop) and scored on every outcome vector.
    /// </summary>
    private static double BestTree(double[] units, double[] seconds, double failure, double window)
    {
        var passes = seconds.Select(s => (int)Math.Floor(window / s + 1e-9)).ToArray();
        var bits = passes.Sum();
        Assert.True(bits <= 14, "instance too large to enumerate");
        var trees = Trees(units.Length, (1 << units.Length) - 1, window, seconds);
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

    /// <summary>Every tree from this state: stop (null), or read an open identity that fits and continue by its outcome.</summary>
    private static List<Node?> Trees(int n, int open, double left, double[] seconds)
    {
        var all = new List<Node?> { null };
        for (var i = 0; i < n; i++)
        {
            if ((open >> i & 1) == 0 || seconds[i] > left + 1e-9)
            {
                continue;
            }

            var proved = Trees(n, open & ~(1 << i), left - seconds[i], seconds);
            var failed = Trees(n, open, left - seconds[i], seconds);
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
