namespace PostFleet.Core.Init;

/// <summary>One postcli run to schedule: the identity and the disk it writes to.</summary>
public sealed record InitJob(string Name, string Disk);

/// <summary>
/// Decides which postcli runs start next. Runs on one disk go strictly in config order (like the demo's per-disk
/// depends chains); across disks, the earliest job in config order whose disk has room goes first.
/// Thread safety: none; the executor calls it from one loop.
/// </summary>
public sealed class InitScheduler
{
    private readonly List<InitJob> _pending;
    private readonly Dictionary<string, int> _runningPerDisk = new(StringComparer.Ordinal);
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);
    private readonly InitCaps _caps;

    public InitScheduler(IEnumerable<InitJob> jobsInConfigOrder, InitCaps caps)
    {
        _pending = [.. jobsInConfigOrder];
        _caps = caps;
    }

    public int RunningCount => _running.Count;

    public bool IsFinished => _pending.Count == 0 && _running.Count == 0;

    /// <summary>The jobs to start now, already counted as running.</summary>
    public IReadOnlyList<InitJob> TakeStartable()
    {
        var started = new List<InitJob>();
        var blockedDisks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in _pending.ToList())
        {
            if (_running.Count >= _caps.Global)
            {
                break;
            }

            // Only the first pending job of a disk may start: a later one never overtakes it.
            if (!blockedDisks.Add(job.Disk) || _runningPerDisk.GetValueOrDefault(job.Disk) >= _caps.PerDisk)
            {
                continue;
            }

            _pending.Remove(job);
            _running.Add(job.Name);
            _runningPerDisk[job.Disk] = _runningPerDisk.GetValueOrDefault(job.Disk) + 1;
            started.Add(job);
            blockedDisks.Remove(job.Disk);
        }

        return started;
    }

    public void Finished(InitJob job)
    {
        if (_running.Remove(job.Name))
        {
            _runningPerDisk[job.Disk]--;
        }
    }

    /// <summary>Drops every job not yet started (on cancellation).</summary>
    public void CancelPending() => _pending.Clear();
}
