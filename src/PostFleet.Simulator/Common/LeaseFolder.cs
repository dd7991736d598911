using System.Globalization;

namespace PostFleet.Simulator.Common;

/// <summary>
/// Cross-process sharing of a simulated resource (a disk's bandwidth, the host's cores). Each user holds a
/// file named after its PID whose content is its weight; everyone recomputes its share from the live leases.
/// A lease of a dead PID is stale (the process was killed) and is removed by whoever sees it.
/// </summary>
public sealed class LeaseFolder(string folder)
{
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

        var weights = new List<int>();
        foreach (var path in Directory.EnumerateFiles(Folder))
        {
            if (!int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (!ProcessLiveness.IsAlive(pid))
            {
                TryDelete(path);
                continue;
            }

            try
            {
                weights.Add(int.TryParse(File.ReadAllText(path), CultureInfo.InvariantCulture, out var weight) ? Math.Max(1, weight) : 1);
            }
            catch (IOException)
            {
                // Released between listing and reading.
            }
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
