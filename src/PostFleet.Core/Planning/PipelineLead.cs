namespace PostFleet.Core.Planning;

/// <summary>
/// How long before its disk frees up a pipelined successor starts, as a length of k2pow. A pass's k2pow is a sum of
/// one exponential draw per group of 16 nonces (post-service.md §4), so the same service's k2pow varies by a third
/// at 128 nonces. Ending early puts two readers on the disk: each second of that overlap loses about 2p disk-seconds
/// (p the disk's two-reader penalty, learned); ending late idles the disk one second per second. The expected loss
/// is least when the k2pow ends early with chance 1 ÷ (1 + 2p): the median at p = 0.5, earlier on an SSD (p ≈ 0),
/// later on an HDD (p ≥ 1). Timing to the mean, as before, put two readers on an HDD in about half the handovers.
/// </summary>
internal static class PipelineLead
{
    /// <summary>The k2pow length to time against: the quantile 1 ÷ (1 + 2p) of its draws with mean <paramref name="k2pow"/>.</summary>
    public static TimeSpan For(TimeSpan k2pow, double penalty, int nonces)
    {
        var groups = Math.Clamp(nonces / 16, 1, 512); // beyond 512 draws e^-n underflows; the spread is under 5% there
        var level = 1 / (1 + (2 * Math.Max(0, penalty)));
        return TimeSpan.FromSeconds(ErlangQuantile(level, groups, k2pow.TotalSeconds));
    }

    /// <summary>The <paramref name="level"/> quantile of a sum of <paramref name="n"/> exponential draws with total mean <paramref name="mean"/>.</summary>
    internal static double ErlangQuantile(double level, int n, double mean)
    {
        if (mean <= 0 || level <= 0)
        {
            return 0;
        }

        var cap = mean * 20; // at level ≥ 1 (p = 0) any lead is free: start at once
        if (level >= 1 || Cdf(cap, n, mean) <= level)
        {
            return cap;
        }

        double lo = 0, hi = cap;
        for (var i = 0; i < 60; i++)
        {
            var mid = (lo + hi) / 2;
            if (Cdf(mid, n, mean) < level)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }

    private static double Cdf(double x, int n, double mean)
    {
        var y = x * n / mean;
        double term = Math.Exp(-y), below = 0;
        for (var i = 0; i < n; i++)
        {
            below += term;
            term *= y / (i + 1);
        }

        return Math.Clamp(1 - below, 0, 1);
    }
}
