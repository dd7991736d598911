using System.Globalization;

namespace PostFleet.Simulator.Common;

/// <summary>
/// Cross-process sharing of a simulated resource (a disk's bandwidth, the host's cores). Each user holds a
/// file named after its PID whose content is its weight; everyone recomputes its share from the live leases.
/// A lease of a dead PID is stale (the process was killed) and is removed by whoever sees it. A lease's weight is
/// read once, and whether its PID lives at most every <see cref="LivenessInterval"/>: a hundred sharers, each
/// looking ten times a second, read other processes' /proc entries and lease files thousands of times a second on a
/// host whose two cores the daemon needs too.
/// Thread safety: one sharer (a pacer's loop) at a time.
/// </summary>
public sealed class LeaseFolder(string folder, TimeProvider? time = null)
{
    /// <summary>How often a lease's PID is looked up: a killed sharer's share comes back this late at the most.</summary>
    public static readonly TimeSpan LivenessInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<int, (int Weight, long CheckedAt)> _known = [];

    public string Folder { get; } = folder;

    public Lease Acquire(int weight)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        File.WriteAllText(path, weight.ToString(CultureInfo.InvariantCulture));
        return new Lease(path);
    }

    /// <summary>The weights of all live leases, this process's included.</summary>
    public IReadOnlyList<int> LiveWeights()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        var now = _time.GetTimestamp();
        var weights = new List<int>();
        var listed = new HashSet<int>();
        foreach (var path in Directory.EnumerateFiles(Folder))
        {
            if (!int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            listed.Add(pid);
            var seen = _known.TryGetValue(pid, out var known);
            if (seen && _time.GetElapsedTime(known.CheckedAt, now) < LivenessInterval)
            {
                weights.Add(known.Weight);
                continue;
            }

            if (!ProcessLiveness.IsAlive(pid))
            {
                _known.Remove(pid);
                TryDelete(path);
                continue;
            }

            try
            {
                var weight = seen ? known.Weight : int.TryParse(File.ReadAllText(path), CultureInfo.InvariantCulture, out var read) ? Math.Max(1, read) : 1;
                _known[pid] = (weight, now);
                weights.Add(weight);
            }
            catch (IOException)
            {
                // Released between listing and reading.
            }
        }

        // A lease released since: its PID may come back as another process with another weight.
        foreach (var gone in _known.Keys.Where(pid => !listed.Contains(pid)).ToList())
        {
            _known.Remove(gone);
        }

        return weights;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    public sealed class Lease(string path) : IDisposable
    {
        public void Dispose() => TryDelete(path);
    }
}
