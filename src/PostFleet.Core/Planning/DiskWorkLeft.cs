using System.Runtime.InteropServices;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// Per disk, the estimated read-seconds still to do for its identities that are PROVING and not delivered
/// (<see cref="Seconds"/>), and the longest read left of a service reading it now (<see cref="ReadingLeft"/>).
/// The pipelined order puts the disk with the most work first; the overlap rule compares a disk with the busiest
/// other one (which sets the fleet's end).
/// </summary>
internal sealed class DiskWorkLeft
{
    private DiskWorkLeft(Dictionary<string, double> seconds, Dictionary<string, double> readingLeft, Dictionary<string, List<double>> reads)
    {
        Seconds = seconds;
        ReadingLeft = readingLeft;
        Reads = reads;
        foreach (var w in seconds.Values)
        {
            if (w > _first)
            {
                _second = _first;
                _first = w;
            }
            else if (w > _second)
            {
                _second = w;
            }
        }
    }

    private readonly double _first;
    private readonly double _second;
    private readonly Dictionary<string, double> _lastChance = new(StringComparer.Ordinal);

    public Dictionary<string, double> Seconds { get; }

    public Dictionary<string, double> ReadingLeft { get; }

    /// <summary>Per disk, the full read of each proof still to do: what a failed pass of it reads again.</summary>
    public Dictionary<string, List<double>> Reads { get; }

    /// <summary>
    /// The chance that <paramref name="disk"/>, ending at <paramref name="end"/>, is still the last disk when every
    /// other one's failed passes are counted (<see cref="ReentryOverlap.LastChance(int, double)"/>).
    /// </summary>
    public double LastChance(string disk, double end, double failure)
    {
        // Every waiting service of a disk being read asks in the same pass (5,000 identities: thousands of times).
        if (!_lastChance.TryGetValue(disk, out var chance))
        {
            var late = 0;
            foreach (var (other, seconds) in Seconds)
            {
                if (other != disk)
                {
                    late += ReentryOverlap.RereadsPast(end, seconds, CollectionsMarshal.AsSpan(Reads[other]));
                }
            }

            _lastChance[disk] = chance = ReentryOverlap.LastChance(late, failure);
        }

        return chance;
    }

    /// <summary>The most work left on any disk.</summary>
    public double Busiest => _first;

    /// <summary>The most work left on any disk but <paramref name="disk"/> (0 when it is the only one).</summary>
    public double BusiestOtherThan(string disk) => Seconds.GetValueOrDefault(disk) >= _first ? _second : _first;

    public static DiskWorkLeft Of(FleetSpec desired, FleetSnapshot observed, IReadOnlyDictionary<string, ServiceMemory> memory, ProvingEstimates estimates)
    {
        var work = new Dictionary<string, double>(StringComparer.Ordinal);
        var reading = new Dictionary<string, double>(StringComparer.Ordinal);
        var reads = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var disk in desired.Disks)
        {
            double seconds = 0;
            double readLeft = 0;
            var full = new List<double>();
            foreach (var service in disk.Services)
            {
                if (memory[service.Name].Delivered || observed.NodeStateOf(service.Name) != NodePostState.Proving)
                {
                    continue;
                }

                var read = estimates.ReadSeconds(service, desired.Post) ?? 0;
                var done = observed.StatusOf(service.Name) is ServiceStatus.Proving p ? (double)p.Position / Math.Max(1UL, ServicePhases.DataBytes(service, desired.Post)) : 0;
                seconds += read * (1 - Math.Min(1, done));
                full.Add(read);
                if (done > 0)
                {
                    readLeft = Math.Max(readLeft, read * (1 - Math.Min(1, done)));
                }
            }

            work[disk.Name] = seconds;
            reading[disk.Name] = readLeft;
            reads[disk.Name] = full;
        }

        return new DiskWorkLeft(work, reading, reads);
    }
}
