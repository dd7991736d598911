namespace PostFleet.Bench;

/// <summary>
/// An upper bound on the EXPECTED units any non-anticipative schedule proves within <c>W</c> seconds of the gap's
/// opening: one that learns a pass's k2pow length, its read rate and whether it found a proof only when they end (as
/// the daemon does). <see cref="UpperBound"/> is per seed and clairvoyant (it keeps the identities whose draws came out
/// short); this one holds for the mean over draws. docs/scheduling.md proves it; in short:
/// <list type="number">
/// <item>For identity i let C_i be the k2pow hashes its first pass could have reached by <c>W − its shortest read</c>
/// had that k2pow never ended. C_i depends on the other identities' draws and on the schedule, never on i's own draw
/// K_i, so K_i and C_i are independent. i proves in time only if K_i ≤ C_i (and its whole solo run fits in W), and
/// its pool spends at least min(K_i, C_i) hashes on it within W.</item>
/// <item>Per pool (a host's cores, or the remote workers): Σ E[min(K_i, C_i)] ≤ pool rate × W. Per disk: Σ over its
/// identities of P(i proves) × its shortest read's disk-seconds ≤ W.</item>
/// <item>Weak Lagrangian duality: for any λ ≥ 0 per pool and μ ≥ 0 per disk,
/// Σ λ·W + Σ μ·W + Σ_i max(0, sup_c [(u_i − μ·D_i)⁺·F_i(c) − λ·g_i(c)]) bounds the expected units, where
/// F_i(c) = P(K_i ≤ c, the solo run fits) and g_i(c) = E[min(K_i, c)] / pool rate. Any multipliers give a valid
/// bound; a coordinate search picks good ones.</item>
/// </list>
/// Deliberately generous (each only enlarges what is provable): start-up counts as zero, reads run at their fastest
/// possible rate (the largest read-rate factor, no two-reader penalty), and only the first pass's k2pow is charged
/// to the pool.
/// </summary>
public static class UpperBoundNonAnticipative
{
    private const int Grid = 256;
    private const int Rounds = 8;
    private const int GoldenSteps = 48;

    /// <summary>Without <paramref name="uncertain"/>: the exact model (k2pow takes its expected hashes, one pass, factor 1).</summary>
    public static double Units(Topology t, double window, bool uncertain)
    {
        var kinds = Kinds(t, window, uncertain);
        if (kinds.Count == 0)
        {
            return 0;
        }

        var pools = t.Remote is null ? t.Hosts.Length : 1;
        var lambda = new double[pools];
        var mu = new double[t.Disks.Length];
        var lambdaHigh = new double[pools];
        var muHigh = new double[t.Disks.Length];
        foreach (var k in kinds)
        {
            // Past Σ units ÷ W a pool's λ·W alone exceeds what its terms give at λ = 0; past u/D every term of the disk is 0.
            lambdaHigh[k.Pool] += k.Count * k.Units / window;
            muHigh[k.Disk] = Math.Max(muHigh[k.Disk], k.Units / k.DiskSeconds);
        }

        var byPool = kinds.GroupBy(k => k.Pool).ToDictionary(g => g.Key, g => g.ToArray());
        var byDisk = kinds.GroupBy(k => k.Disk).ToDictionary(g => g.Key, g => g.ToArray());
        for (var round = 0; round < Rounds; round++)
        {
            for (var p = 0; p < pools; p++)
            {
                if (byPool.TryGetValue(p, out var ids))
                {
                    lambda[p] = Minimise(x => (x * window) + ids.Sum(k => k.Count * k.Term(k.Units - (mu[k.Disk] * k.DiskSeconds), x)), lambda[p], lambdaHigh[p]);
                }
            }

            for (var d = 0; d < mu.Length; d++)
            {
                if (byDisk.TryGetValue(d, out var ids))
                {
                    mu[d] = Minimise(x => (x * window) + ids.Sum(k => k.Count * k.Term(k.Units - (x * k.DiskSeconds), lambda[k.Pool])), mu[d], muHigh[d]);
                }
            }
        }

        return (lambda.Sum() * window) + (mu.Sum() * window) + kinds.Sum(k => k.Count * k.Term(k.Units - (mu[k.Disk] * k.DiskSeconds), lambda[k.Pool]));
    }

    /// <summary>Golden-section search of a convex function on [0, high]; keeps <paramref name="current"/> unless a point beats it.</summary>
    private static double Minimise(Func<double, double> f, double current, double high)
    {
        double best = current, bestValue = f(current);
        double a = 0, b = Math.Max(high, current);
        var ratio = (Math.Sqrt(5) - 1) / 2;
        double x1 = b - (ratio * (b - a)), x2 = a + (ratio * (b - a));
        double f1 = f(x1), f2 = f(x2);
        for (var i = 0; i < GoldenSteps; i++)
        {
            if (f1 < bestValue)
            {
                (best, bestValue) = (x1, f1);
            }

            if (f2 < bestValue)
            {
                (best, bestValue) = (x2, f2);
            }

            if (f1 <= f2)
            {
                (b, x2, f2) = (x2, x1, f1);
                x1 = b - (ratio * (b - a));
                f1 = f(x1);
            }
            else
            {
                (a, x1, f1) = (x1, x2, f2);
                x2 = a + (ratio * (b - a));
                f2 = f(x2);
            }
        }

        foreach (var (x, v) in new[] { (0.0, f(0)), (x1, f1), (x2, f2) })
        {
            if (v < bestValue)
            {
                (best, bestValue) = (x, v);
            }
        }

        return best;
    }

    /// <summary>Identities that can prove in W, those alike (pool, disk, units, hashes) merged with a count.</summary>
    internal static List<Kind> Kinds(Topology t, double window, bool uncertain)
    {
        // Uncertainty clips the read-rate factor to ±10%; the fastest read is at 1.1.
        var fastest = uncertain ? 1.1 : 1.0;
        var failure = uncertain ? t.PassFailureProbability : 0;
        var groups = Math.Max(1, t.Nonces / 16);
        var kinds = new List<Kind>();
        foreach (var g in t.Identities.GroupBy(i => (i.Host, i.Disk, i.Units, Hashes: t.K2PowHashes(i))))
        {
            var id = g.First();
            var pool = t.Remote is null ? id.Host : 0;
            var poolRate = t.Remote is { } r ? r.Workers * r.HashRate : t.Hosts[id.Host].Cores * t.Hosts[id.Host].HashRatePerCore;
            var solo = t.SoloK2PowRate(id);
            var read = t.DataBytes(id) / (t.SoloReadRate(id) * fastest);
            var reach = solo * (window - read);
            if (reach <= 0 || (!uncertain && g.Key.Hashes > reach))
            {
                continue; // not even its first k2pow and one read fit alone
            }

            var kind = new Kind(pool, id.Disk, id.Units, g.Count(), t.DataBytes(id) / (t.Disks[id.Disk].Bandwidth * fastest), poolRate);
            if (uncertain)
            {
                kind.Draw(g.Key.Hashes, groups, failure, solo, read, window);
            }
            else
            {
                kind.Exact(g.Key.Hashes);
            }

            kinds.Add(kind);
        }

        return kinds;
    }

    internal sealed class Kind(int pool, int disk, double units, int count, double diskSeconds, double poolRate)
    {
        private double[] _chance = [];
        private double[] _cost = [];
        private double _exactCost = double.NaN;

        public int Pool { get; } = pool;

        public int Disk { get; } = disk;

        public double Units { get; } = units;

        public int Count { get; } = count;

        /// <summary>Disk-seconds of its fastest read: bytes ÷ (bandwidth × the largest factor).</summary>
        public double DiskSeconds { get; } = diskSeconds;

        /// <summary>Grid of budgets c: F(c) and g(c) in pool-seconds, from c = 0 to the most its first pass can reach.</summary>
        public IReadOnlyList<double> Chance => _chance;

        public IReadOnlyList<double> Cost => _cost;

        /// <summary>
        /// max(0, sup over budgets c of [value · F(c) − λ · g(c)]). On the grid F and g both rise, so on [c_k, c_k+1]
        /// the expression is at most value · F(c_k+1) − λ · g(c_k): the grid only ever rounds the bound up.
        /// </summary>
        public double Term(double value, double lambda)
        {
            if (value <= 0)
            {
                return 0;
            }

            if (!double.IsNaN(_exactCost))
            {
                return Math.Max(0, value - (lambda * _exactCost));
            }

            var best = 0.0;
            for (var k = 0; k + 1 < _chance.Length; k++)
            {
                best = Math.Max(best, (value * _chance[k + 1]) - (lambda * _cost[k]));
            }

            return best;
        }

        /// <summary>k2pow takes exactly <paramref name="hashes"/>: proving costs them, and the best budget is just them.</summary>
        public void Exact(double hashes) => _exactCost = hashes / poolRate;

        /// <summary>
        /// k2pow per pass ~ Gamma(groups, mean ÷ groups) (Uncertainty.K2PowHashes); passes fail with probability f. With J
        /// passes the identity proves only if K₀ ≤ c and its J k2pows at the solo rate plus J fastest reads fit in W:
        /// F(c) = (1−f)·G(c) + Σ_J f^(J−1)(1−f)·min(G(c), G_J(solo·(W − J·read))) + f^Jmax·G(c).
        /// </summary>
        public void Draw(double mean, int groups, double failure, double solo, double read, double window)
        {
            var scale = mean / groups;
            var reach = solo * (window - read);
            var later = new List<(double Weight, double Cap)>();
            var weight = 1 - failure;
            var rest = failure;
            for (var passes = 2; passes <= 400 && rest > 1e-12; passes++)
            {
                var budget = solo * (window - (passes * read));
                var cap = budget <= 0 ? 0 : GammaCdf(groups * passes, budget / scale);
                later.Add((rest * (1 - failure), cap));
                rest *= failure;
            }

            _chance = new double[Grid + 1];
            _cost = new double[Grid + 1];
            for (var k = 0; k <= Grid; k++)
            {
                var c = reach * k / Grid;
                var first = GammaCdf(groups, c / scale);
                _chance[k] = (weight * first) + later.Sum(l => l.Weight * Math.Min(first, l.Cap)) + (rest * first);

                // E[min(K, c)] = mean · P(K' ≤ c) + c · P(K > c), with K' ~ Gamma(groups + 1, scale).
                _cost[k] = ((mean * GammaCdf(groups + 1, c / scale)) + (c * (1 - first))) / poolRate;
            }
        }
    }

    /// <summary>P(Gamma(n, 1) ≤ x) for whole n: 1 − e^(−x) Σ_{k<n} x^k/k!, summed in logs so large n and x stay finite.</summary>
    internal static double GammaCdf(int n, double x)
    {
        if (x <= 0)
        {
            return 0;
        }

        double tail = 0, logTerm = -x, logX = Math.Log(x);
        for (var k = 0; k < n; k++)
        {
            if (k > 0)
            {
                logTerm += logX - Math.Log(k);
            }

            tail += Math.Exp(logTerm);
        }

        return Math.Clamp(1 - tail, 0, 1);
    }
}
