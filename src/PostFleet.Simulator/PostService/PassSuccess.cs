namespace PostFleet.Simulator.PostService;

/// <summary>
/// Chance that one pass over the data yields a proof (fact sheet 4.2): a nonce qualifies when it collects K2
/// labels where K1 are expected, q = P(Poisson(K1) ≥ K2); a pass of N nonces succeeds with 1 − (1 − q)^N.
/// </summary>
public static class PassSuccess
{
    public static double PerNonce(uint k1, uint k2)
    {
        if (k2 == 0)
        {
            return 1;
        }

        // P(X < k2) summed in log space so large K1 does not underflow e^-K1.
        var lambda = (double)k1;
        if (lambda == 0)
        {
            return 0;
        }

        var logTerm = -lambda;
        var below = 0.0;
        var limit = Math.Min(k2, 10_000_000u);
        for (uint i = 0; i < limit; i++)
        {
            if (i > 0)
            {
                logTerm += Math.Log(lambda) - Math.Log(i);
            }

            below += Math.Exp(logTerm);
        }

        return Math.Clamp(1 - below, 0, 1);
    }

    public static double PerPass(uint k1, uint k2, int nonces) => 1 - Math.Pow(1 - PerNonce(k1, k2), nonces);
}
