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
        var k2pow = prior.K2Pow.ToBuilder();
        var rates = prior.DiskReadRate.ToBuilder();
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

        return new ProvingEstimates(k2pow.ToImmutable(), rates.ToImmutable());
    }

    public TimeSpan? K2PowOf(string service) => K2Pow.TryGetValue(service, out var k) ? k : null;

    public double? ReadRateOf(string disk) => DiskReadRate.TryGetValue(disk, out var r) && r > 0 ? r : null;

    /// <summary>Seconds one full read of the service's data takes on its disk, alone.</summary>
    public double? ReadSeconds(ServiceSpec service, PostSettings post) =>
        ReadRateOf(service.Disk) is { } rate ? Model.ServicePhases.DataBytes(service, post) / rate : null;
}
