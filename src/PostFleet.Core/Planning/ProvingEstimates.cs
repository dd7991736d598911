using System.Collections.Immutable;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// How long proving takes, as far as it is known: k2pow time per service and read rate per disk (bytes/s). Pure
/// data; the planner combines what it measured itself (<see cref="ServiceMemory"/>) with a prior (this record in
/// <see cref="PlannerMemory.Prior"/>), measured values first.
/// </summary>
/// <remarks>
/// The maps are read-only views that nobody changes once made: <see cref="Combine"/> builds a thousand services'
/// k2pow times every pass, and an immutable dictionary's tree took most of its time to build.
/// </remarks>
public sealed record ProvingEstimates(
    IReadOnlyDictionary<string, TimeSpan> K2Pow,
    IReadOnlyDictionary<string, double> DiskReadRate)
{
    public static readonly ProvingEstimates None = new(
        ImmutableDictionary<string, TimeSpan>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>
    /// The penalty assumed for a disk until it was seen read by one and by two services: each of n readers gets
    /// bandwidth ÷ n ÷ (1 + p(n − 1)), so two readers at 0.5 take 1.5× as long for both reads.
    /// </summary>
    public const double AssumedTwoReaderPenalty = 0.5;

    /// <summary>
    /// The two-reader penalty p per disk, learned from read rates seen with one reader (r₁) and with two (r₂ each):
    /// r₂ = r₁ ÷ 2 ÷ (1 + p), so p = r₁ ÷ (2 r₂) − 1 (at least 0). Absent until both were seen.
    /// </summary>
    public ImmutableDictionary<string, double> TwoReaderPenalty { get; init; } = ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>
    /// Seconds from a service's start to its first k2pow, per disk (the mean of its services' last start-up; a disk
    /// stands for its machine here): RandomX set-up, a minute or more in fast mode. Kept apart from
    /// <see cref="K2Pow"/>, which a re-entry needs without it. Absent until a run's first /status answer was seen.
    /// </summary>
    public ImmutableDictionary<string, double> Startup { get; init; } = ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The mean of <see cref="Startup"/> over disks, once per pass (<see cref="Combine"/>), for disks without one.</summary>
    internal double? MeanStartup { get; init; }

    /// <summary>What a pass knows: measured values where there are any, the prior elsewhere.</summary>
    public static ProvingEstimates Combine(FleetSpec spec, IReadOnlyDictionary<string, ServiceMemory> memory, ProvingEstimates? prior)
    {
        prior ??= None;

        // Plain dictionaries while combining, one immutable copy at the end: the planner does this every pass, and
        // setting every entry of an immutable builder copies its tree path by path.
        var k2pow = new Dictionary<string, TimeSpan>(prior.K2Pow, StringComparer.Ordinal);
        var rates = new Dictionary<string, double>(prior.DiskReadRate, StringComparer.Ordinal);
        var penalties = prior.TwoReaderPenalty.ToBuilder();
        var startups = prior.Startup.ToBuilder();
        foreach (var disk in spec.Disks)
        {
            double sum = 0, startup = 0;
            int count = 0, started = 0;
            var sharing = ReadSharing.None;
            foreach (var service in disk.Services)
            {
                var m = memory.GetValueOrDefault(service.Name);
                if (m?.LastK2Pow is { } k)
                {
                    k2pow[service.Name] = k;
                }

                if (m?.LastStartup is { } up)
                {
                    startup += up.TotalSeconds;
                    started++;
                }

                if (m?.LastReadRate is { } r and > 0)
                {
                    sum += r;
                    count++;
                }

                if (m is not null && !ReferenceEquals(m.Sharing, ReadSharing.None))
                {
                    sharing = new ReadSharing(sharing.SoloBytes + m.Sharing.SoloBytes, sharing.SoloSeconds + m.Sharing.SoloSeconds, sharing.SharedBytes + m.Sharing.SharedBytes, sharing.SharedSeconds + m.Sharing.SharedSeconds);
                }
            }

            if (Penalty(sharing) is { } p)
            {
                penalties[disk.Name] = p;
            }

            if (count > 0)
            {
                rates[disk.Name] = sum / count;
            }

            if (started > 0)
            {
                startups[disk.Name] = startup / started;
            }
        }

        PoolK2PowPerUnit(spec, k2pow);
        return new ProvingEstimates(k2pow.AsReadOnly(), rates.AsReadOnly()) { TwoReaderPenalty = penalties.ToImmutable(), Startup = startups.ToImmutable(), MeanStartup = startups.Count > 0 ? startups.Values.Average() : null };
    }

    /// <summary>p from a disk's reads alone and with two readers; null until both were seen for long enough to tell.</summary>
    internal static double? Penalty(ReadSharing sharing)
    {
        if (sharing.SoloSeconds <= 0 || sharing.SharedSeconds <= 0 || sharing.SoloBytes <= 0 || sharing.SharedBytes <= 0)
        {
            return null;
        }

        var solo = sharing.SoloBytes / sharing.SoloSeconds;
        var shared = sharing.SharedBytes / sharing.SharedSeconds;
        return Math.Max(0, (solo / (2 * shared)) - 1);
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

        k2pow.EnsureCapacity(spec.Services.Length); // one growth to the fleet's size, not a doubling at a time
        foreach (var service in spec.Services)
        {
            if (service.NumUnits > 0)
            {
                k2pow[service.Name] = TimeSpan.FromSeconds(perUnit * service.NumUnits);
            }
        }
    }

    /// <summary>The disk's learned two-reader penalty, else the assumed one (<see cref="AssumedTwoReaderPenalty"/>).</summary>
    public double TwoReaderPenaltyOf(string disk) => TwoReaderPenalty.TryGetValue(disk, out var p) ? p : AssumedTwoReaderPenalty;

    public TimeSpan? K2PowOf(string service) => K2Pow.TryGetValue(service, out var k) ? k : null;

    /// <summary>
    /// A fresh start's start-up: its disk's learned one, else the mean over the disks that have one (one config is
    /// usually one RandomX mode), else 0 (not learned, or a prior from before start-up was learned apart, whose
    /// k2pow times include it).
    /// </summary>
    public TimeSpan StartupOf(ServiceSpec service)
    {
        if (Startup.TryGetValue(service.Disk, out var own))
        {
            return TimeSpan.FromSeconds(own);
        }

        return TimeSpan.FromSeconds(MeanStartup ?? (Startup.IsEmpty ? 0 : Startup.Values.Average()));
    }

    /// <summary>What a fresh start needs before its first read: its start-up and its k2pow (null without a k2pow estimate).</summary>
    public TimeSpan? StartAndK2PowOf(ServiceSpec service) => K2PowOf(service.Name) is { } k ? StartupOf(service) + k : null;

    public double? ReadRateOf(string disk) => DiskReadRate.TryGetValue(disk, out var r) && r > 0 ? r : null;

    /// <summary>Seconds one full read of the service's data takes on its disk, alone.</summary>
    public double? ReadSeconds(ServiceSpec service, PostSettings post) =>
        ReadRateOf(service.Disk) is { } rate ? Model.ServicePhases.DataBytes(service, post) / rate : null;
}
