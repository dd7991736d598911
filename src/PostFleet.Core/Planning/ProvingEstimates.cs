using System.Collections.Immutable;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// How long proving takes, as far as it is known: k2pow time per service and read rate per disk (bytes/s). Pure
/// data; the planner combines what it measured itself (<see cref="ServiceMemory"/>) with a prior (this record in
/// <see cref="PlannerMemory.Prior"/>), measured values first.
/// </summary>
public sealed record ProvingEstimates(
    ImmutableDictionary<string, TimeSpan> K2Pow,
    ImmutableDictionary<string, double> DiskReadRate)
{
    public static readonly ProvingEstimates None = new(
        ImmutableDictionary<string, TimeSpan>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>What a pass knows: measured values where there are any, the prior elsewhere.</summary>
    public static ProvingEstimates Combine(FleetSpec spec, IReadOnlyDictionary<string, ServiceMemory> memory, ProvingEstimates? prior)
    {
        prior ??= None;

        // Plain dictionaries while combining, one immutable copy at the end: the planner does this every pass, and
        // setting every entry of an immutable builder copies its tree path by path.
        var k2pow = new Dictionary<string, TimeSpan>(prior.K2Pow, StringComparer.Ordinal);
        var rates = new Dictionary<string, double>(prior.DiskReadRate, StringComparer.Ordinal);
        foreach (var disk in spec.Disks)
        {
            double sum = 0;
            var count = 0;
            foreach (var service in disk.Services)
            {
                var m = memory.GetValueOrDefault(service.Name);
                if (m?.LastK2Pow is { } k)
                {
                    k2pow[service.Name] = k;
                }

                if (m?.LastReadRate is { } r and > 0)
                {
                    sum += r;
                    count++;
                }
            }

            if (count > 0)
            {
                rates[disk.Name] = sum / count;
            }
        }

        PoolK2PowPerUnit(spec, k2pow);
        return new ProvingEstimates(k2pow.ToImmutableDictionary(StringComparer.Ordinal), rates.ToImmutableDictionary(StringComparer.Ordinal));
    }

    /// <summary>
    /// k2pow work is units × nonces/16 exponential draws (post-service.md §4), the same per unit for every service of
    /// one config (one CPU, one difficulty, one nonce count), but one pass's time varies by a third at 128 nonces.
    /// One sample per service predicts its next pass badly; the mean per unit over all of them, times its units,
    /// predicts it as well as one can. Used once at least four services were measured, and only if they look alike.
    /// </summary>
    private static void PoolK2PowPerUnit(FleetSpec spec, Dictionary<string, TimeSpan> k2pow)
    {
        double sum = 0, squares = 0;
        var samples = 0;
        foreach (var service in spec.Services)
        {
            if (service.NumUnits > 0 && k2pow.TryGetValue(service.Name, out var k))
            {
                var x = k.TotalSeconds / service.NumUnits;
                sum += x;
                squares += x * x;
                samples++;
            }
        }

        if (samples < 4)
        {
            return; // too few to tell draws of one per-unit time from services that are not alike
        }

        // Only samples that look like draws of one per-unit time: a pass's k2pow varies with coefficient of variation
        // 1/√(nonces/16); services spread much wider than twice that are not alike (another CPU, a pinned override).
        var perUnit = sum / samples;
        var spread = Math.Sqrt(Math.Max(0, (squares / samples) - (perUnit * perUnit))) / perUnit;
        if (perUnit <= 0 || spread > 2 / Math.Sqrt(Math.Max(1, spec.Post.Nonces / 16.0)))
        {
            return;
        }

        foreach (var service in spec.Services)
        {
            if (service.NumUnits > 0)
            {
                k2pow[service.Name] = TimeSpan.FromSeconds(perUnit * service.NumUnits);
            }
        }
    }

    public TimeSpan? K2PowOf(string service) => K2Pow.TryGetValue(service, out var k) ? k : null;

    public double? ReadRateOf(string disk) => DiskReadRate.TryGetValue(disk, out var r) && r > 0 ? r : null;

    /// <summary>Seconds one full read of the service's data takes on its disk, alone.</summary>
    public double? ReadSeconds(ServiceSpec service, PostSettings post) =>
        ReadRateOf(service.Disk) is { } rate ? Model.ServicePhases.DataBytes(service, post) / rate : null;
}
