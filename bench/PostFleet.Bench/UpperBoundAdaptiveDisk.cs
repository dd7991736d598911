namespace PostFleet.Bench;

/// <summary>
/// The most units one disk's identities can prove in expectation within a read budget, for any schedule that learns
/// whether a pass failed only when its read ends: the exact optimum of the adaptive problem in which identity i's
/// first pass takes <c>first[i]</c> seconds of the disk, every later one <c>again[i]</c>, each pass succeeds with
/// probability 1 − f independently of everything else, and a failed pass needs another full read. docs/scheduling.md
/// ("per disk, adaptive") proves that this bounds the disk's expected units when the CPU is relaxed: reads one after
/// another are as good as any sharing of the disk, and what a read's rate saves below <c>first[i]</c> is given back
/// as budget (<see cref="Savings"/>).
/// <para>
/// A dynamic program over (how many of each kind of identity are unread, which kind has one failed and open, disk time
/// left): identities with the same units and reads are interchangeable. The time step is a tenth of the read of
/// the units' greatest common divisor when reads are proportional to units (one disk, one rate), else capacity ÷
/// <see cref="MaxSteps"/>; reads are rounded down to it (only shorter, so still a bound).
/// </para>
/// </summary>
public sealed class UpperBoundAdaptiveDisk
{
    /// <summary>Time steps at most; beyond this reads are rounded down to capacity ÷ MaxSteps.</summary>
    internal const int MaxSteps = 2048;

    /// <summary>States × steps at most (about a tenth of a second); beyond this <see cref="Solve"/> gives up (null).</summary>
    internal const long MaxCells = 8_000_000;

    private readonly double _step;
    private readonly int _steps;
    private readonly double[] _value;
    private readonly double _free;

    private UpperBoundAdaptiveDisk(double step, int steps, double[] value, double free)
    {
        (_step, _steps, _value, _free) = (step, steps, value, free);
    }

    /// <summary>
    /// Solves for every budget up to <paramref name="capacity"/>; null when the program would exceed
    /// <see cref="MaxCells"/> (the caller keeps its other bounds, which stay valid).
    /// </summary>
    /// <param name="first">Disk-seconds of each identity's first read.</param>
    /// <param name="again">Disk-seconds of each later read (after a failed pass); at most <paramref name="first"/>'s.</param>
    public static UpperBoundAdaptiveDisk? Solve(double[] units, double[] first, double[] again, double failure, double capacity)
    {
        if (failure is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(failure), failure, "a pass's failure probability is in [0, 1)");
        }

        capacity = Math.Max(0, capacity);
        var step = CommonStep(units, first) / 10;
        if (step <= 0 || capacity / step > MaxSteps)
        {
            step = capacity > 0 ? capacity / MaxSteps : 1;
        }

        var steps = (int)Math.Floor((capacity / step) + 1e-9);
        int Steps(double seconds) => (int)Math.Floor((seconds / step) + 1e-9);

        // A first read rounded down to no time proves its identity for free (retries cost nothing): it counts in full.
        // A later read rounded down to none makes a failure free: the first read then always proves.
        var free = 0.0;
        var kinds = new Dictionary<(double Units, int First, int Again, bool Fails), int>();
        for (var i = 0; i < units.Length; i++)
        {
            var (w0, w1) = (Steps(first[i]), Steps(Math.Min(again[i], first[i])));
            if (w0 == 0)
            {
                free += units[i];
            }
            else if (w0 <= steps)
            {
                var key = (units[i], w0, w1, w1 > 0 && failure > 0);
                kinds[key] = kinds.GetValueOrDefault(key) + 1;
            }
        }

        // State: how many of each kind are unread (mixed radix a) and which kind, if any, has one failed and open (slot
        // 0: none, c + 1: kind c). A first read that fails while another is failed and open is credited at once: the
        // identity's units plus the state without it bound the state with it (skip its reads), so the program stays an
        // upper bound with a single failed slot.
        var kind = kinds.Keys.ToArray();
        var count = kind.Select(k => kinds[k]).ToArray();
        var stride = new long[kind.Length];
        long reads = 1;
        for (var c = 0; c < kind.Length; c++)
        {
            stride[c] = reads;
            reads *= count[c] + 1;
            if (reads * (kind.Length + 1) * (steps + 1) > MaxCells)
            {
                return null;
            }
        }

        var width = steps + 1;
        var slots = kind.Length + 1;
        var value = new double[reads * slots * width];
        long Cell(long a, int slot, int t) => (((a * slots) + slot) * width) + t;
        var unread = new int[kind.Length];
        for (long a = 0; a < reads; a++)
        {
            // Slot 0 first: a failed identity that proves returns to it.
            for (var slot = 0; slot < slots; slot++)
            {
                for (var t = 0; t <= steps; t++)
                {
                    var best = t > 0 ? value[Cell(a, slot, t - 1)] : 0;
                    for (var c = 0; c < kind.Length; c++)
                    {
                        var (u, w0, w1, fails) = kind[c];
                        var f = fails ? failure : 0;
                        if (unread[c] > 0 && w0 <= t)
                        {
                            var proved = u + value[Cell(a - stride[c], slot, t - w0)];
                            var failed = slot == 0 ? value[Cell(a - stride[c], c + 1, t - w0)] : proved;
                            best = Math.Max(best, ((1 - f) * proved) + (f * failed));
                        }

                        if (slot == c + 1 && w1 <= t)
                        {
                            best = Math.Max(best, ((1 - f) * (u + value[Cell(a, 0, t - w1)])) + (f * value[Cell(a, slot, t - w1)]));
                        }
                    }

                    value[Cell(a, slot, t)] = best;
                }
            }

            for (var c = 0; c < kind.Length && ++unread[c] > count[c]; c++)
            {
                unread[c] = 0;
            }
        }

        // Every identity unread, none failed.
        var start = Cell(reads - 1, 0, 0);
        return new UpperBoundAdaptiveDisk(step, steps, value[(int)start..(int)(start + width)], free);
    }

    /// <summary>The optimum with every identity unread and <paramref name="budget"/> seconds of the disk (at most the solved capacity).</summary>
    public double Units(double budget)
    {
        var t = budget < 0 ? -1 : Math.Floor((budget / _step) + 1e-9);
        return t < 0 ? 0
            : t <= _steps ? _free + _value[(int)t]
            : throw new ArgumentOutOfRangeException(nameof(budget), budget, $"solved for at most {_steps * _step} s");
    }

    /// <summary>
    /// The distribution of S = Σ_i first[i] · (1 − r/j_i)⁺ over the identities' first-pass read factors j_i (independent,
    /// each from <paramref name="factors"/>), <c>first</c> the reads at factor r (<paramref name="reference"/>): what the
    /// first reads can save below <c>first</c>, whichever are read. Each term is rounded up to a grid of (Σ of the
    /// largest terms) ÷ 1024, so S only grows.
    /// </summary>
    public static (double Seconds, double Chance)[] Savings(double[] first, (double Factor, double Chance)[] factors, double reference = 1)
    {
        const int Grid = 1024;
        var fastest = factors.Max(f => f.Factor);
        var most = first.Sum(d => d * Math.Max(0, 1 - (reference / fastest)));
        if (most <= 0)
        {
            return [(0, 1)];
        }

        var step = most / Grid;
        var chance = new double[Grid + first.Length + 1];
        chance[0] = 1;
        var reach = 0;
        foreach (var d in first)
        {
            // This term's distribution on the grid first: factors at or below the reference all save nothing.
            var term = new Dictionary<int, double>();
            foreach (var (factor, p) in factors)
            {
                var k = (int)Math.Ceiling((d * Math.Max(0, 1 - (reference / factor)) / step) - 1e-9);
                term[k] = term.GetValueOrDefault(k) + p;
            }

            var next = new double[chance.Length];
            foreach (var (k, p) in term)
            {
                for (var s = 0; s <= reach; s++)
                {
                    next[s + k] += p * chance[s];
                }
            }

            reach += (int)Math.Ceiling((d * Math.Max(0, 1 - (reference / fastest)) / step) - 1e-9);
            chance = next;
        }

        return [.. chance.Select((p, s) => (s * step, p)).Where(x => x.p > 0)];
    }

    /// <summary>
    /// The read of the units' greatest common divisor when every read's seconds are the same multiple of its units
    /// (one disk, one rate); 0 otherwise.
    /// </summary>
    private static double CommonStep(double[] units, double[] seconds)
    {
        if (units.Length == 0 || units.Any(u => u <= 0 || u != Math.Floor(u)))
        {
            return 0;
        }

        var perUnit = seconds[0] / units[0];
        if (seconds.Select((x, i) => x / units[i]).Any(r => Math.Abs(r - perUnit) > 1e-9 * perUnit))
        {
            return 0;
        }

        var gcd = units.Select(u => (long)u).Aggregate(Gcd);
        return gcd * perUnit;
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}
