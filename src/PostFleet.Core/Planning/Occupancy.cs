using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>Who holds the per-disk, k2pow and running slots in this pass, including starts planned so far.</summary>
internal sealed class Occupancy
{
    private readonly Dictionary<string, List<string>> _diskReaders = new(StringComparer.Ordinal);

    public List<string> InK2Pow { get; } = [];

    public List<string> Running { get; } = [];

    public IReadOnlyList<string> ReadersOf(string disk) => _diskReaders.GetValueOrDefault(disk) ?? [];

    public static Occupancy Measure(FleetSpec spec, FleetSnapshot snapshot, IReadOnlyDictionary<string, ServiceMemory> memory, DateTimeOffset now)
    {
        var occupancy = new Occupancy();

        // Every live process counts against max-running, even one that is not (or no longer) in the config.
        occupancy.Running.AddRange(snapshot.Runs.Values.Where(r => r.Running).Select(r => r.ServiceName).Order(StringComparer.Ordinal));
        foreach (var service in spec.Services)
        {
            var run = snapshot.LiveRun(service.Name);
            var m = memory[service.Name];
            if (ServiceLoad.OccupiesDisk(run, m))
            {
                occupancy.AddReader(service);
            }

            if (ServiceLoad.InK2Pow(run, snapshot.StatusOf(service.Name), m, spec.Schedule, now))
            {
                occupancy.InK2Pow.Add(service.Name);
            }
        }

        return occupancy;
    }

    /// <summary>A just-started service reads its disk, runs k2pow first and is a running process.</summary>
    public void AddStart(ServiceSpec service)
    {
        AddReader(service);
        InK2Pow.Add(service.Name);
        Running.Add(service.Name);
    }

    private void AddReader(ServiceSpec service)
    {
        if (!_diskReaders.TryGetValue(service.Disk, out var readers))
        {
            _diskReaders[service.Disk] = readers = [];
        }

        readers.Add(service.Name);
    }
}
