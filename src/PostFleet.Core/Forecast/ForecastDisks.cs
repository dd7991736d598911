using System.Runtime.InteropServices;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;

namespace PostFleet.Core.Forecast;

/// <summary>
/// Each disk's queue while <see cref="ProvingForecast"/> places proofs, by the disk's index in the fleet: the
/// services left in their order with each one's read, when the disk frees up (<see cref="Free"/>), the read
/// queued on it and the last one placed. Arrays, not lookups by name: the forecast asks about every disk for every
/// proof it places, and each disk's <see cref="LastChance"/> walks every other disk's queue (1,000 identities:
/// 200 disks × 1,000 placements, a few hundred million reads of these).
/// </summary>
internal sealed class ForecastDisks
{
    private readonly List<double>[] _reads;

    public ForecastDisks(FleetSpec spec, Func<DiskSpec, List<ServiceSpec>> order, IReadOnlyDictionary<string, double> read)
    {
        Names = [.. spec.Disks.Select(d => d.Name)];
        Queues = [.. spec.Disks.Select(order)];
        _reads = [.. Queues.Select(q => q.Select(s => read[s.Name]).ToList())];
        QueuedRead = [.. Queues.Select(q => q.Sum(s => read[s.Name]))];
        Free = new double[Names.Length];
        LastRead = new double[Names.Length];
        LastUnits = new double[Names.Length];
        Left = Queues.Sum(q => q.Count);
    }

    public string[] Names { get; }

    /// <summary>The services still to place on each disk, in the order they go.</summary>
    public List<ServiceSpec>[] Queues { get; }

    /// <summary>When each disk is done with what was placed on it.</summary>
    public double[] Free { get; }

    /// <summary>The read of every service still queued on each disk (kept as placements take from it).</summary>
    public double[] QueuedRead { get; }

    /// <summary>The read and the units of the last service placed on each disk.</summary>
    public double[] LastRead { get; }

    public double[] LastUnits { get; }

    /// <summary>Services not placed yet, on all disks.</summary>
    public int Left { get; private set; }

    public int Count => Names.Length;

    /// <summary>The disk's end if its queue read back to back after what was placed.</summary>
    public double End(int disk) => Free[disk] + QueuedRead[disk];

    /// <summary>The reads of the disk's queue, added in its order (the pick's tie-break: most work first).</summary>
    public double Work(int disk)
    {
        double work = 0;
        foreach (var r in _reads[disk])
        {
            work += r;
        }

        return work;
    }

    /// <summary>
    /// <see cref="ReentryOverlap.LastChance(int, double)"/> for <paramref name="disk"/> ending at <paramref name="end"/>, against
    /// every other disk's end and queued reads.
    /// </summary>
    public double LastChance(int disk, double end, double failure)
    {
        var late = 0;
        for (var d = 0; d < Names.Length; d++)
        {
            if (d != disk)
            {
                late += ReentryOverlap.RereadsPast(end, End(d), CollectionsMarshal.AsSpan(_reads[d]));
            }
        }

        return ReentryOverlap.LastChance(late, failure);
    }

    /// <summary>Places the queue's <paramref name="index"/>th service: its read leaves the queue and ends the disk at <paramref name="end"/>.</summary>
    public void Place(int disk, int index, double read, double units, double end)
    {
        Queues[disk].RemoveAt(index);
        _reads[disk].RemoveAt(index);
        QueuedRead[disk] -= read;
        Free[disk] = end;
        LastRead[disk] = read;
        LastUnits[disk] = units;
        Left--;
    }
}
