using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>Who holds the per-disk, k2pow and running slots in this pass, including starts planned so far.</summary>
internal sealed class Occupancy
{
    private readonly Dictionary<string, List<string>> _diskReaders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _diskQueued = new(StringComparer.Ordinal);
    private bool _pipelined;

    public List<string> InK2Pow { get; } = [];

    public List<string> Running { get; } = [];

    /// <summary>Exclusive mode: every started, undelivered service on the disk. Pipelined mode: those reading it.</summary>
    public IReadOnlyList<string> ReadersOf(string disk) => _diskReaders.GetValueOrDefault(disk) ?? Nobody;

    /// <summary>Pipelined mode only: services of the disk still in k2pow, which will read it next.</summary>
    public IReadOnlyList<string> QueuedOn(string disk) => _diskQueued.GetValueOrDefault(disk) ?? Nobody;

    // One empty list for every disk nobody holds: `?? []` beside a List made a new List each time (every rule asks).
    private static readonly IReadOnlyList<string> Nobody = [];

    public static Occupancy Measure(FleetSpec spec, FleetSnapshot snapshot, IReadOnlyDictionary<string, ServiceMemory> memory, DateTimeOffset now)
    {
        var occupancy = new Occupancy { _pipelined = spec.Schedule.Mode == ScheduleMode.Pipelined };

        // Every live process counts against max-running, even one that is not (or no longer) in the config.
        occupancy.Running.AddRange(snapshot.Runs.Values.Where(r => r.Running).Select(r => r.ServiceName).Order(StringComparer.Ordinal));
        foreach (var service in spec.Services)
        {
            var run = snapshot.LiveRun(service.Name);
            var m = memory[service.Name];
            var inK2Pow = ServiceLoad.InK2Pow(run, snapshot.StatusOf(service.Name), m, spec.Schedule, now);
            if (ServiceLoad.OccupiesDisk(run, snapshot.StatusOf(service.Name), snapshot.NodeStateOf(service.Name), m))
            {
                occupancy.AddOnDisk(service, inK2Pow);
            }

            if (inK2Pow)
            {
                occupancy.InK2Pow.Add(service.Name);
            }
        }

        return occupancy;
    }

    /// <summary>A just-started service reads its disk, runs k2pow first and is a running process.</summary>
    public void AddStart(ServiceSpec service)
    {
        AddOnDisk(service, inK2Pow: true);
        InK2Pow.Add(service.Name);
        Running.Add(service.Name);
    }

    private void AddOnDisk(ServiceSpec service, bool inK2Pow)
    {
        var map = _pipelined && inK2Pow ? _diskQueued : _diskReaders;
        if (!map.TryGetValue(service.Disk, out var names))
        {
            map[service.Disk] = names = [];
        }

        names.Add(service.Name);
    }
}
