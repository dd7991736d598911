using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;

namespace PostFleet.Core.Forecast;

/// <summary>Where one service's proof stands in a pass, as far as its finish estimate needs to know.</summary>
public abstract record ProofStage
{
    private ProofStage()
    {
    }

    /// <summary>The node wants the proof and no run has started it yet.</summary>
    public sealed record Waiting : ProofStage
    {
        /// <summary>One for every waiting proof: it holds nothing.</summary>
        public static readonly Waiting Now = new();
    }

    public sealed record InK2Pow(DateTimeOffset RunStartedAt) : ProofStage;

    /// <param name="ReadStartedAt">When this read was first seen (null when unknown, e.g. an adopted run or a later pass).</param>
    public sealed record Reading(ulong Position, DateTimeOffset? ReadStartedAt) : ProofStage;
}

/// <summary>
/// When each unfinished proof will be done: a read from the bytes left at the rate seen so far (else the disk's
/// learned rate, else the assumption), a k2pow from its learned (or assumed) duration plus one full read, and a
/// waiting service from its place in the gap's forecast, never before its disk is free nor before its `after`
/// dependencies are estimated to finish.
/// </summary>
public static class FinishEstimates
{
    public static IReadOnlyDictionary<string, DateTimeOffset> Of(
        FleetSpec spec,
        IReadOnlyDictionary<string, ProofStage> stages,
        ProvingEstimates known,
        HardwareAssumptions hardware,
        ProvingForecast forecast,
        DateTimeOffset? gapOpens,
        DateTimeOffset now)
    {
        var finish = new Dictionary<string, DateTimeOffset>(stages.Count, StringComparer.Ordinal);
        var diskFree = new Dictionary<string, DateTimeOffset>(spec.Disks.Length, StringComparer.Ordinal);
        foreach (var service in spec.Services)
        {
            DateTimeOffset? end = null;
            var stage = stages.GetValueOrDefault(service.Name);
            if (stage is ProofStage.Reading r)
            {
                end = Reading(ServicePhases.DataBytes(service, spec.Post), r.Position, r.ReadStartedAt, ReadRate(service, known, hardware), now);
            }
            else if (stage is ProofStage.InK2Pow k)
            {
                // Only a k2pow needs the durations (this runs for every service of the fleet each pass).
                var (k2pow, read) = Durations(service, spec, known, hardware);
                end = K2Pow(k.RunStartedAt, k2pow, read, now);
            }

            if (end is { } e)
            {
                finish[service.Name] = e;
                diskFree[service.Disk] = diskFree.TryGetValue(service.Disk, out var free) && free > e ? free : e;
            }
        }

        if (gapOpens is not { } opens)
        {
            return finish;
        }

        // In forecast order, so services waiting on one disk queue behind each other as the forecast has them.
        foreach (var row in forecast.Rows.OrderBy(r => r.K2PowStart))
        {
            if (stages.GetValueOrDefault(row.Service.Name) is not ProofStage.Waiting)
            {
                continue;
            }

            var (k2pow, read) = Durations(row.Service, spec, known, hardware);
            // A dependency still to finish holds its dependent's start (the planner waits for its delivery); its
            // finish is known here, as the forecast puts every dependency before its dependents.
            var forecastStart = Latest(row.Service.After, finish, opens.AddSeconds(row.K2PowStart));
            var end = Waiting(forecastStart, diskFree.GetValueOrDefault(row.Service.Disk, DateTimeOffset.MinValue), k2pow, read, now);
            finish[row.Service.Name] = end;
            diskFree[row.Service.Disk] = end;
        }

        return finish;
    }

    /// <summary>The latest of the dependencies' finishes (unknown: the earliest time) and <paramref name="start"/>; the first of equals.</summary>
    private static DateTimeOffset Latest(System.Collections.Immutable.ImmutableArray<string> after, Dictionary<string, DateTimeOffset> finish, DateTimeOffset start)
    {
        if (after.IsEmpty)
        {
            return start;
        }

        var latest = finish.GetValueOrDefault(after[0], DateTimeOffset.MinValue);
        for (var i = 1; i < after.Length; i++)
        {
            var end = finish.GetValueOrDefault(after[i], DateTimeOffset.MinValue);
            if (end > latest)
            {
                latest = end;
            }
        }

        return start > latest ? start : latest;
    }

    /// <summary>Seconds of one k2pow pass (on the resource it runs on) and of one full read, learned where known, else assumed.</summary>
    public static (double K2Pow, double Read) Durations(ServiceSpec service, FleetSpec spec, ProvingEstimates known, HardwareAssumptions hardware) =>
        (known.StartAndK2PowOf(service)?.TotalSeconds ?? ProvingForecast.K2PowHashes(service, spec.Post) / K2PowSlots.HashRateOf(service, spec, hardware),
         ServicePhases.DataBytes(service, spec.Post) / ReadRate(service, known, hardware));

    /// <summary>
    /// The bytes left at the rate of this read so far. The rate counts from when the read was first seen, so the
    /// bytes read before that make it a little optimistic: a warning comes late rather than falsely.
    /// </summary>
    public static DateTimeOffset Reading(ulong dataBytes, ulong position, DateTimeOffset? readStartedAt, double fallbackRate, DateTimeOffset now)
    {
        var rate = readStartedAt is { } began && now > began && position > 0 ? position / (now - began).TotalSeconds : fallbackRate;
        var left = dataBytes > position ? dataBytes - position : 0UL;
        return now.AddSeconds(left / rate);
    }

    /// <summary>The rest of the k2pow (none once it has overrun the estimate: it may end any moment), then a full read.</summary>
    public static DateTimeOffset K2Pow(DateTimeOffset runStartedAt, double k2powSeconds, double readSeconds, DateTimeOffset now)
    {
        var k2powEnds = runStartedAt.AddSeconds(k2powSeconds);
        return (k2powEnds > now ? k2powEnds : now).AddSeconds(readSeconds);
    }

    /// <summary>
    /// Its start in the forecast, but not before now, and late enough that its k2pow ends when its disk is free
    /// (the pipelined planner starts a successor that way; in exclusive mode this is optimistic by one k2pow).
    /// </summary>
    public static DateTimeOffset Waiting(DateTimeOffset forecastStart, DateTimeOffset diskFree, double k2powSeconds, double readSeconds, DateTimeOffset now)
    {
        var start = forecastStart > now ? forecastStart : now;
        var hidden = diskFree == DateTimeOffset.MinValue ? start : diskFree.AddSeconds(-k2powSeconds);
        if (hidden > start)
        {
            start = hidden;
        }

        return start.AddSeconds(k2powSeconds + readSeconds);
    }

    private static double ReadRate(ServiceSpec service, ProvingEstimates known, HardwareAssumptions hardware) =>
        known.ReadRateOf(service.Disk) ?? hardware.DiskBytesPerSecond(service.Disk);
}
