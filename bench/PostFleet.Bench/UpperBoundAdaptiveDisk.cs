namespace PostFleet.Bench;

/// <summary>
/// The most units one disk's identities can prove in expectation within a read budget, for any schedule that learns
/// whether a pass failed only when its read ends: the exact optimum of the adaptive problem in which every pass of
/// identity i takes <c>seconds[i]</c> of the disk, succeeds with probability 1 − f independently of everything else,
/// and a failed pass needs another full read. docs/scheduling.md ("per disk, adaptive") proves that this bounds the
/// disk's expected units when the CPU is relaxed: reads one after another are as good as any sharing of the disk, and
/// an identity whose pass failed is in the same state as one never read.
/// <para>
/// A dynamic program over (how many of each kind of identity are still open, disk time left): identities with the same
/// units and read are interchangeable. On one disk a read's seconds are proportional to its units, so the time step is
/// the read of the units' greatest common divisor and the program is exact; where that would need more than
/// <see cref="MaxSteps"/> steps, reads are rounded down to a grid (only shorter, so still a bound).
/// </para>
/// </summary>
public sealed class UpperBoundAdaptiveDisk
{
    /// <summary>Time steps at most; beyond this reads are rounded down to capacity ÷ MaxSteps.</summary>
    internal const int MaxSteps = 2048;

    /// <summary>States × steps at most (about 100 ms); beyond this <see cref="Solve"/> gives up (null).</summary>
    internal const long MaxCells = 8_000_000;

    private readonly double _step;
    private readonly int _steps;
    private readonly double[] _value;
    private readonly double _free;

    private UpperBoundAdaptiveDisk(double step, int steps, double[] value, double free)
    {
        (_step, _steps, _value, _free) = (step, steps, value, free);
    }

    /// <summary>Cells the program used (states × steps), for reports.</summary>
    public long Cells => _value.Length;

    /// <summary>
    /// Solves for every budget up to <paramref name="capacity"/>; null when the program would exceed
    /// <see cref="MaxCells"/> (the caller keeps its other bounds, which stay valid).
    /// </summary>
    public static UpperBoundAdaptiveDisk? Solve(double[] units, double[] seconds, double failure, double capacity)
    {
        if (failure is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(failure), failure, "a pass's failure probability is in [0, 1)");
        }

        capacity = Math.Max(0, capacity);
        var step = CommonStep(units, seconds);
        if (step <= 0 || capacity / step > MaxSteps)
        {
            step = capacity > 0 ? capacity / MaxSteps : 1;
        }

        var steps = (int)Math.Floor((capacity / step) + 1e-9);

        // A read rounded down to no time proves its identity for free (retries cost nothing): it counts in full.
        var free = 0.0;
        var kinds = new Dictionary<(double Units, int Weight), int>();
        for (var i = 0; i < units.Length; i++)
        {
            var weight = (int)Math.Floor((seconds[i] / step) + 1e-9);
            if (weight == 0)
            {
                free += units[i];
            }
            else if (weight <= steps)
            {
                kinds[(units[i], weight)] = kinds.GetValueOrDefault((units[i], weight)) + 1;
            }
        }

        var kind = kinds.Keys.ToArray();
        var count = kind.Select(k => kinds[k]).ToArray();
        var stride = new long[kind.Length];
        long states = 1;
        for (var c = 0; c < kind.Length; c++)
        {
            stride[c] = states;
            states *= count[c] + 1;
            if (states * (steps + 1) > MaxCells)
            {
                return null;
            }
        }

        // value[s·(steps+1) + t]: state s in mixed radix (digit c = identities of kind c still open), t steps left.
        // Removing an open identity lowers s, so ascending s and t meets every dependency first.
        var width = steps + 1;
        var value = new double[states * width];
        var digits = new int[kind.Length];
        for (long s = 0; s < states; s++)
        {
            for (var t = 0; t <= steps; t++)
            {
                var best = t > 0 ? value[(s * width) + t - 1] : 0;
                for (var c = 0; c < kind.Length; c++)
                {
                    var w = kind[c].Weight;
                    if (digits[c] == 0 || w > t)
                    {
                        continue;
                    }

                    var read = ((1 - failure) * (kind[c].Units + value[((s - stride[c]) * width) + t - w])) + (failure * value[(s * width) + t - w]);
                    best = Math.Max(best, read);
                }

                value[(s * width) + t] = best;
            }

            for (var c = 0; c < kind.Length && ++digits[c] > count[c]; c++)
            {
                digits[c] = 0;
            }
        }

        return new UpperBoundAdaptiveDisk(step, steps, value[^width..], free);
    }

    /// <summary>The optimum with every identity open and <paramref name="budget"/> seconds of the disk (at most the solved capacity).</summary>
    public double Units(double budget)
    {
        var t = budget < 0 ? -1 : Math.Floor((budget / _step) + 1e-9);
        return t < 0 ? 0
            : t <= _steps ? _free + _value[(int)t]
            : throw new ArgumentOutOfRangeException(nameof(budget), budget, $"solved for at most {_steps * _step} s");
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
