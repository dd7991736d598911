namespace PostFleet.Core.Planning;

/// <summary>
/// How sure a proof is to finish in time. A pass's k2pow is a sum of one exponential draw per group of 16 nonces
/// (post-service.md §4): an Erlang with nonces/16 draws, so its variance is mean² ÷ draws (a third of the mean at
/// 128 nonces, a quarter at 288). The k2pow queued on a slot is a sum of such passes, which a Gamma of the same
/// mean and variance describes closely; reads vary by a few percent and count at their mean. Admission by the mean
/// alone starts, at the gap's end, a proof that finishes about half the time and loses its k2pow when it does not;
/// admitting only what finishes with chance <see cref="Level"/> leaves that time to a smaller proof that does.
/// </summary>
public static class FinishChance
{
    /// <summary>
    /// The chance of finishing in the window a proof needs to be admitted to it. Higher admits fewer and wastes less
    /// k2pow on proofs that land after the gap. Chosen on the bench (cpu-starved, 10 seeds, units in the gap
    /// exclusive / pipelined): 0.5 gave 387.2 / 388.4, 0.7 386.4 / 389.6, 0.8 387.6 / 390.0, 0.9 386.8 / 388.4.
    /// </summary>
    public const double Level = 0.8;

    private static readonly double LevelZ = NormalQuantile(Level);

    /// <summary>The variance of one pass's k2pow of <paramref name="mean"/> seconds, with <paramref name="draws"/> exponential draws.</summary>
    public static double K2PowVariance(double mean, int draws) => mean * mean / Math.Max(1, draws);

    /// <summary>Exponential draws in one pass's k2pow: one per group of 16 nonces.</summary>
    public static int Draws(int nonces) => Math.Max(1, nonces / 16);

    /// <summary>
    /// The length a k2pow (or a queue of them) of <paramref name="mean"/> and <paramref name="variance"/> stays under
    /// with chance <see cref="Level"/>: the Gamma's quantile by Wilson and Hilferty's cube-root normal approximation
    /// (within a percent from shape 1 up, and exact as the variance goes to 0).
    /// </summary>
    public static double Sure(double mean, double variance) => Quantile(mean, variance, LevelZ);

    /// <summary>The chance a k2pow of <paramref name="mean"/> and <paramref name="variance"/> is over within <paramref name="seconds"/>.</summary>
    public static double Within(double mean, double variance, double seconds)
    {
        if (mean <= 0 || variance <= 0)
        {
            return seconds >= mean ? 1 : 0;
        }

        if (seconds <= 0)
        {
            return 0;
        }

        var c = variance / (9 * mean * mean); // 1 ÷ (9 × shape)
        return NormalCdf((Math.Cbrt(seconds / mean) - (1 - c)) / Math.Sqrt(c));
    }

    internal static double Quantile(double mean, double variance, double z)
    {
        if (mean <= 0 || variance <= 0)
        {
            return Math.Max(0, mean);
        }

        var c = variance / (9 * mean * mean);
        var root = Math.Max(0, 1 - c + (z * Math.Sqrt(c)));
        return mean * root * root * root;
    }

    internal static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    private static double NormalQuantile(double level)
    {
        double lo = -10, hi = 10;
        for (var i = 0; i < 100; i++)
        {
            var mid = (lo + hi) / 2;
            (lo, hi) = NormalCdf(mid) < level ? (mid, hi) : (lo, mid);
        }

        return (lo + hi) / 2;
    }

    /// <summary>The complementary error function (Abramowitz and Stegun 7.1.26, absolute error under 1.5e-7).</summary>
    private static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.3275911 * z));
        var poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
        var r = poly * Math.Exp(-z * z);
        return x >= 0 ? r : 2 - r;
    }
}
