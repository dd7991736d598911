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

    /// <summary>Reference read factors for the adaptive disks' first reads (each valid; the smallest bound is kept).</summary>
    private static readonly double[] References = [0.97, 1.0, 1.03];

    /// <summary>Without <paramref name="uncertain"/>: the exact model (k2pow takes its expected hashes, one pass, factor 1, no start-up).</summary>
    /// <param name="adaptive">Also bound each disk by <see cref="UpperBoundAdaptiveDisk"/> (failed passes need another read).</param>
    public static double Units(Topology t, double window, bool uncertain, bool adaptive = false) => PerPool(t, window, uncertain, adaptive).Sum();

    /// <summary>
    /// The bound's share of each k2pow pool (per host, or one entry for the remote pool): with local pools the dual
    /// splits by host, since every multiplier belongs to one host's pool or disks.
    /// </summary>
    public static double[] PerPool(Topology t, double window, bool uncertain, bool adaptive = false) => PerPool(t, window, uncertain, adaptive, out _);

    /// <param name="fellBack">Disks whose adaptive program was too large (<see cref="UpperBoundAdaptiveDisk.MaxCells"/>): they keep the knapsack alone.</param>
    public static double[] PerPool(Topology t, double window, bool uncertain, bool adaptive, out int fellBack)
    {
        var pools = t.Remote is null ? t.Hosts.Length : 1;
        var kinds = Kinds(t, window, uncertain);

        // Per pool, one constraint per distinct shortest read ρ: the hashes that count for identities whose read is at
        // least ρ are all done by W − ρ, so they fit in (W − ρ) pool-seconds. The smallest ρ gives the plain capacity.
        var cuts = kinds.Select(k => (k.Pool, k.Read)).Distinct().OrderBy(c => c.Pool).ThenBy(c => c.Read).ToArray();
        var cutsOf = kinds.ToDictionary(k => k, k => cuts.Select((c, j) => (c, j)).Where(x => x.c.Pool == k.Pool && x.c.Read <= k.Read).Select(x => x.j).ToArray());
        var lambda = new double[cuts.Length];
        var mu = new double[t.Disks.Length];
        var muHigh = new double[t.Disks.Length];

        var knapsack = DiskTerms(t, kinds, window, uncertain, adaptive, out fellBack);
        var nu = new double[t.Disks.Length];

        foreach (var k in kinds)
        {
            // Past u/D every term of the disk is 0 and μ·W only grows.
            muHigh[k.Disk] = Math.Max(muHigh[k.Disk], k.Units / k.DiskSeconds);
        }

        double Price(Kind k) => cutsOf[k].Sum(j => lambda[j]);
        double Dual(IEnumerable<Kind> terms) => terms.Sum(k => k.Count * k.Term(k.Units * (1 - nu[k.Disk]), mu[k.Disk], Price(k)));
        var previous = double.PositiveInfinity;
        for (var round = 0; round < Rounds; round++)
        {
            for (var j = 0; j < cuts.Length; j++)
            {
                var (pool, read) = cuts[j];
                var ids = kinds.Where(k => k.Pool == pool && k.Read >= read).ToArray();

                // Past Σ units ÷ capacity the cut's own term alone exceeds what the identities give at λ = 0.
                var capacity = window - read;
                var high = ids.Sum(k => k.Count * k.Units) / capacity;
                var j0 = j;
                lambda[j] = Minimise(
                    x =>
                    {
                        lambda[j0] = x;
                        return (x * capacity) + Dual(ids);
                    },
                    lambda[j],
                    high);
            }

            for (var d = 0; d < mu.Length; d++)
            {
                var ids = kinds.Where(k => k.Disk == d).ToArray();
                if (ids.Length == 0)
                {
                    continue;
                }

                var d0 = d;
                mu[d] = Minimise(
                    x =>
                    {
                        mu[d0] = x;
                        return (x * window) + (nu[d0] * knapsack[d0]) + Dual(ids);
                    },
                    mu[d],
                    muHigh[d]);

                // Past ν = 1 every term of the disk is 0 and ν·knapsack only grows.
                nu[d] = Minimise(
                    x =>
                    {
                        nu[d0] = x;
                        return (mu[d0] * window) + (x * knapsack[d0]) + Dual(ids);
                    },
                    nu[d],
                    1);
            }

            // Stop when a round no longer improves the bound by a thousandth of a unit.
            var now = cuts.Select((c, j) => lambda[j] * (window - c.Read)).Sum() + (mu.Sum() * window) + nu.Select((x, d) => x * knapsack[d]).Sum() + Dual(kinds);
            if (previous - now < 1e-3)
            {
                break;
            }

            previous = now;
        }

        var share = new double[pools];
        for (var j = 0; j < cuts.Length; j++)
        {
            share[cuts[j].Pool] += lambda[j] * (window - cuts[j].Read);
        }

        foreach (var disk in t.Disks)
        {
            share[t.Remote is null ? disk.Host : 0] += (mu[disk.Index] * window) + (nu[disk.Index] * knapsack[disk.Index]);
        }

        foreach (var k in kinds)
        {
            share[k.Pool] += Dual([k]);
        }

        // Each pool's units are also at most its disks' terms summed (ν = 1, the rest 0): keep that where the search
        // stopped above it.
        var disks = new double[pools];
        foreach (var disk in t.Disks)
        {
            disks[t.Remote is null ? disk.Host : 0] += knapsack[disk.Index];
        }

        return [.. share.Select((s, p) => Math.Min(s, disks[p]))];
    }

    /// <summary>
    /// Per disk, a bound on the expected units of its identities (the E[knapsack] term, with <paramref name="adaptive"/>
    /// the smaller of it and the adaptive optimum's); 0 for a disk with nothing provable.
    /// </summary>
    internal static double[] DiskTerms(Topology t, List<Kind> kinds, double window, bool uncertain, bool adaptive, out int fellBack)
    {
        // Per sample a disk's proved identities are a set whose fastest reads fit between its first read's start (the
        // shortest start-up plus the shortest first k2pow M of its identities) and W, so its units are at most that 0/1
        // knapsack's; in expectation at most E[knapsack(W − start-up − M)]. This keeps the bound from counting
        // fractions of identities or reads before any k2pow can have ended.
        var knapsack = new double[t.Disks.Length];
        fellBack = 0;

        // With adaptive, given M and the first reads' factors also at most the disk's adaptive optimum (failed passes
        // read again; first reads at factor 1, later ones at the fastest) in W − start-up − M plus what the first reads'
        // factors save, S: in expectation over S the smaller of the two per value of S.
        foreach (var group in kinds.GroupBy(k => k.Disk))
        {
            var each = group.SelectMany(k => Enumerable.Repeat(k, k.Count)).ToArray();
            var capacity = window - (uncertain ? t.StartupRange.Low : 0);
            Func<double, double, double>? optimum = null;

            // With room for every first read and two more reads of the largest at factor 1, only a run of three failures
            // could cost a unit: the knapsack alone (still valid) spares the program's time there.
            var ample = capacity >= each.Sum(k => k.NominalDiskSeconds) + (2 * each.Max(k => k.NominalDiskSeconds));
            if (adaptive && !ample)
            {
                // Any reference factor r gives a bound (first reads at r, savings below it); the smallest of a few.
                var bounds = new List<Func<double, double, double>>();
                foreach (var reference in uncertain ? References : [1.0])
                {
                    var savings = UpperBoundAdaptiveDisk.Savings([.. each.Select(k => k.NominalDiskSeconds / reference)], ReadFactors(uncertain), reference);
                    var disk = UpperBoundAdaptiveDisk.Solve(
                        [.. each.Select(k => k.Units)],
                        [.. each.Select(k => k.NominalDiskSeconds / reference)],
                        [.. each.Select(k => k.DiskSeconds)],
                        uncertain ? t.PassFailureProbability : 0,
                        capacity + savings.Max(x => x.Seconds));
                    if (disk is not null)
                    {
                        bounds.Add((room, most) => savings.Sum(x => x.Chance * Math.Min(most, disk.Units(room + x.Seconds))));
                    }
                }

                optimum = bounds.Count == 0 ? null : (room, most) => bounds.Min(b => b(room, most));
                fellBack += bounds.Count == 0 ? 1 : 0;
            }

            knapsack[group.Key] = ExpectedKnapsack(each, capacity, optimum);
        }

        return knapsack;
    }

    /// <summary>
    /// E[knapsack of the disk's units in (capacity − M) disk-seconds], M the shortest first k2pow of its identities alone:
    /// M rounded down to a grid of its range, where the knapsack only grows. P(M > m) = Π P(K_i > m). With
    /// <paramref name="optimum"/> (another bound in a budget, M independent of what it averages over, capped by the
    /// knapsack there), that instead.
    /// </summary>
    private static double ExpectedKnapsack(Kind[] disk, double capacity, Func<double, double, double>? optimum)
    {
        const int Steps = 24;
        double Solve(double room)
        {
            var knapsack = UpperBound.Knapsack([.. disk.Select(k => k.Units)], [.. disk.Select(k => k.DiskSeconds)], room);
            return optimum is null || room < 0 ? knapsack : optimum(room, knapsack);
        }

        var longest = disk.Max(k => k.FirstK2PowQuantile(0.999));
        if (longest <= 0)
        {
            return Solve(capacity);
        }

        double expected = 0, above = 1;
        for (var s = 0; s < Steps; s++)
        {
            var m = longest * s / Steps;
            var next = disk.Aggregate(1.0, (p, k) => p * (1 - k.FirstK2PowCdf(longest * (s + 1) / Steps)));
            expected += (above - next) * Solve(capacity - m);
            above = next;
        }

        return expected + (above * Solve(capacity - longest));
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
        var startup = uncertain ? t.StartupRange.Low : 0;
        var failure = uncertain ? t.PassFailureProbability : 0;
        var groups = Math.Max(1, t.Nonces / 16);
        var factors = ReadFactors(uncertain);
        var kinds = new List<Kind>();
        foreach (var g in t.Identities.GroupBy(i => (i.Host, i.Disk, i.Units, Hashes: t.K2PowHashes(i))))
        {
            var id = g.First();
            var pool = t.Remote is null ? id.Host : 0;
            var poolRate = t.Remote is { } r ? r.Workers * r.HashRate : t.Hosts[id.Host].Cores * t.Hosts[id.Host].HashRatePerCore;
            var solo = t.SoloK2PowRate(id);
            var read = t.DataBytes(id) / (t.SoloReadRate(id) * fastest);
            var reach = solo * (window - startup - read);
            if (reach <= 0 || (!uncertain && g.Key.Hashes > reach))
            {
                continue; // not even its first k2pow and one read fit alone
            }

            var kind = new Kind(pool, id.Disk, id.Units, g.Count(), t.DataBytes(id) / t.Disks[id.Disk].Bandwidth, fastest, read, poolRate, factors);
            if (uncertain)
            {
                // Start-up is CPU work at one job's share of the pool: at least its shortest draw × the solo rate, paid by any identity that hashes at all.
                kind.Draw(g.Key.Hashes, groups, failure, solo, startup, window);
            }
            else
            {
                kind.Exact(g.Key.Hashes, solo);
            }

            kinds.Add(kind);
        }

        return kinds;
    }

    internal sealed class Kind
    {
        private readonly (double Seconds, double Chance)[] _reads;
        private double[] _chance = [];
        private double[] _cost = [];
        private double _exactCost = double.NaN;
        private double _exactSeconds;
        private double _lastUnits = double.NaN;
        private double _lastMu = double.NaN;
        private double _lastValue;
        private int _groups;
        private double _scale;
        private double _solo;
        private readonly double _poolRate;

        /// <param name="diskSeconds">Disk-seconds of its read at factor 1 (bytes ÷ bandwidth).</param>
        /// <param name="factors">The read-rate factor's distribution, each bin at its fastest end.</param>
        public Kind(int pool, int disk, double units, int count, double diskSeconds, double fastest, double read, double poolRate, (double Factor, double Chance)[] factors)
        {
            Pool = pool;
            Disk = disk;
            Units = units;
            Count = count;
            DiskSeconds = diskSeconds / fastest;
            NominalDiskSeconds = diskSeconds;
            Read = read;
            _poolRate = poolRate;

            _reads = [.. factors.Select(f => (diskSeconds / f.Factor, f.Chance))];
        }

        public int Pool { get; }

        public int Disk { get; }

        public double Units { get; }

        public int Count { get; }

        /// <summary>Disk-seconds of its fastest read: bytes ÷ (bandwidth × the largest factor).</summary>
        public double DiskSeconds { get; }

        /// <summary>Disk-seconds of its read at factor 1 (bytes ÷ bandwidth).</summary>
        public double NominalDiskSeconds { get; }

        /// <summary>Seconds of its fastest read alone (solo rate × the largest factor).</summary>
        public double Read { get; }

        /// <summary>Grid of budgets c: F(c) and g(c) in pool-seconds, from c = 0 to the most its first pass can reach.</summary>
        public IReadOnlyList<double> Chance => _chance;

        public IReadOnlyList<double> Cost => _cost;

        /// <summary>
        /// max(0, sup over budgets c of [value · F(c) − λ · g(c)]). On the grid F and g both rise, so on [c_k, c_k+1]
        /// the expression is at most value · F(c_k+1) − λ · g(c_k): the grid only ever rounds the bound up.
        /// </summary>
        public double Term(double units, double mu, double lambda)
        {
            // What reaching its first read is worth: the schedule may learn the read's rate as soon as it starts (the
            // daemon sees its position) and give it up, so each rate's read is kept only when worth its disk-seconds.
            // The searches over λ hold units and μ still: keep the last value.
            if (units != _lastUnits || mu != _lastMu)
            {
                _lastValue = 0;
                foreach (var (seconds, chance) in _reads)
                {
                    _lastValue += chance * Math.Max(0, units - (mu * seconds));
                }

                (_lastUnits, _lastMu) = (units, mu);
            }

            var value = _lastValue;

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

        /// <summary>P(its first k2pow alone takes ≤ <paramref name="seconds"/>).</summary>
        public double FirstK2PowCdf(double seconds) => !double.IsNaN(_exactCost)
            ? (seconds >= _exactSeconds ? 1 : 0)
            : GammaCdf(_groups, seconds * _solo / _scale);

        /// <summary>A length its first k2pow alone exceeds with probability about 1 − q (an end for <see cref="ExpectedKnapsack"/>'s grid).</summary>
        public double FirstK2PowQuantile(double q)
        {
            if (!double.IsNaN(_exactCost))
            {
                return _exactSeconds;
            }

            double x = _groups;
            while (GammaCdf(_groups, x) < q)
            {
                x *= 1.25;
            }

            return x * _scale / _solo;
        }

        /// <summary>k2pow takes exactly <paramref name="hashes"/>: proving costs them, and the best budget is just them.</summary>
        public void Exact(double hashes, double solo)
        {
            _exactCost = hashes / _poolRate;
            _exactSeconds = hashes / solo;
        }

        /// <summary>
        /// k2pow per pass ~ Gamma(groups, mean ÷ groups) (Uncertainty.K2PowHashes); passes fail with probability f. With J
        /// passes the identity proves only if K₀ ≤ c and its J k2pows at the solo rate plus J fastest reads fit in W:
        /// F(c) = (1−f)·G(c) + Σ_J f^(J−1)(1−f)·min(G(c), G_J(solo·(W − J·read))) + f^Jmax·G(c).
        /// </summary>
        public void Draw(double mean, int groups, double failure, double solo, double startup, double window)
        {
            var scale = mean / groups;
            (_groups, _scale, _solo) = (groups, scale, solo);
            var reach = solo * (window - startup - Read);
            var later = new List<(double Weight, double Cap)>();
            var weight = 1 - failure;
            var rest = failure;
            for (var passes = 2; passes <= 400 && rest > 1e-12; passes++)
            {
                var budget = solo * (window - startup - (passes * Read));
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
                _cost[k] = k == 0 ? 0 : ((mean * GammaCdf(groups + 1, c / scale)) + (c * (1 - first)) + (startup * solo)) / _poolRate;
            }
        }
    }

    /// <summary>
    /// The read-rate factor of <see cref="Uncertainty.ReadJitter"/> (1 + N(0, σ) clipped to ±0.1) in bins of 0.0025, each
    /// at its fast end so reads only get shorter; the clipped tails fall in the end bins. Exact model: 1.
    /// </summary>
    internal static (double Factor, double Chance)[] ReadFactors(bool uncertain)
    {
        if (!uncertain)
        {
            return [(1, 1)];
        }

        const int Bins = 80;
        var bins = new (double, double)[Bins];
        for (var k = 0; k < Bins; k++)
        {
            double low = -0.1 + (0.2 * k / Bins), high = -0.1 + (0.2 * (k + 1) / Bins);
            var chance = NormalCdf(high / Uncertainty.ReadJitterSigma) - NormalCdf(low / Uncertainty.ReadJitterSigma);
            chance += k == 0 ? NormalCdf(low / Uncertainty.ReadJitterSigma) : 0;
            chance += k == Bins - 1 ? 1 - NormalCdf(high / Uncertainty.ReadJitterSigma) : 0;
            bins[k] = (1 + high, chance);
        }

        // Φ is an approximation: whatever the bins miss of 1 goes to the fastest, so reads only get shorter.
        bins[^1].Item2 += Math.Max(0, 1 - bins.Sum(b => b.Item2));
        return bins;
    }

    /// <summary>Φ(z) from erfc (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7).</summary>
    internal static double NormalCdf(double z)
    {
        var x = Math.Abs(z) / Math.Sqrt(2);
        var t = 1 / (1 + (0.5 * x));
        double[] c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var poly = 0.0;
        for (var i = c.Length - 1; i >= 1; i--)
        {
            poly = (poly + c[i]) * t;
        }

        var erfc = t * Math.Exp((-x * x) + c[0] + poly);
        return z >= 0 ? 1 - (erfc / 2) : erfc / 2;
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
