namespace PostFleet.Bench;

/// <summary>
/// Units no schedule can prove within <c>W</c> seconds of the gap's opening (the gap, or the proof deadline), for
/// the epoch's actual work (<see cref="IdentityWork"/>: its draws and failed passes, which no strategy can change).
/// A relaxation, so provably an upper bound (docs/scheduling.md has the argument):
/// <list type="number">
/// <item>an identity counts only if its own start-up, k2pow at its solo rate and reads at their solo rates fit in W;</item>
/// <item>per disk, the proved set S needs its reads' disk-seconds (bytes ÷ (bandwidth × the pass's factor)) after
/// the first k2pow: Σ ≤ W − the shortest start-up + k2pow of the disk's identities;</item>
/// <item>per k2pow pool (a host's cores, or the remote workers), S needs its hashes ÷ the pool's total rate, plus its
/// start-ups at one job's share of the pool, before the last read: Σ ≤ W − the shortest read of the pool's identities;</item>
/// </list>
/// each a 0/1 knapsack (value units) solved exactly over weights rounded down to W/4000 (rounding down only admits
/// more sets); the bound is Σ over pools of min(Σ its disks' knapsacks, its own knapsack) (remote: one pool over
/// every disk).
/// </summary>
public static class UpperBound
{
    private const int Steps = 4000;

    public static double Units(Topology t, IReadOnlyList<IdentityWork> work, double window) => PerPool(t, work, window).Sum();

    /// <summary>The bound's share of each k2pow pool: per host, or one entry for the remote pool (it couples every disk).</summary>
    public static double[] PerPool(Topology t, IReadOnlyList<IdentityWork> work, double window)
    {
        var feasible = work.Where(w => SoloSeconds(t, w) <= window).ToList();
        var diskBound = new double[t.Disks.Length];
        foreach (var disk in t.Disks)
        {
            var ids = feasible.Where(w => w.Identity.Disk == disk.Index).ToList();
            if (ids.Count == 0)
            {
                continue;
            }

            var head = ids.Min(w => w.Startup + FirstK2PowSeconds(t, w));
            diskBound[disk.Index] = Knapsack([.. ids.Select(w => (double)w.Identity.Units)], [.. ids.Select(w => DiskSeconds(t, disk, w))], window - head);
        }

        if (t.Remote is { } remote)
        {
            var pool = Knapsack([.. feasible.Select(w => (double)w.Identity.Units)], [.. feasible.Select(w => PoolSeconds(t, w, remote.Workers * remote.HashRate))],
                window - feasible.Select(w => ShortestReadSeconds(t, w)).DefaultIfEmpty(0).Min());
            return [Math.Min(diskBound.Sum(), pool)];
        }

        var total = new double[t.Hosts.Length];
        foreach (var host in t.Hosts)
        {
            var ids = feasible.Where(w => w.Identity.Host == host.Index).ToList();
            if (ids.Count == 0)
            {
                continue;
            }

            var cpu = Knapsack([.. ids.Select(w => (double)w.Identity.Units)], [.. ids.Select(w => PoolSeconds(t, w, host.Cores * host.HashRatePerCore))],
                window - ids.Min(w => ShortestReadSeconds(t, w)));
            total[host.Index] = Math.Min(t.Disks.Where(d => d.Host == host.Index).Sum(d => diskBound[d.Index]), cpu);
        }

        return total;
    }

    /// <summary>Start-up, every pass's k2pow alone at full speed and every read alone on its disk.</summary>
    public static double SoloSeconds(Topology t, IdentityWork w) =>
        w.Startup + w.Passes.Sum(p => (p.Hashes / t.SoloK2PowRate(w.Identity)) + (t.DataBytes(w.Identity) / (t.SoloReadRate(w.Identity) * p.Jitter)));

    /// <summary>
    /// Seconds of the whole pool an identity's CPU work takes: its hashes at the pool's rate, and its start-up, which
    /// runs at the share of the pool one job gets alone (solo rate ÷ pool rate).
    /// </summary>
    internal static double PoolSeconds(Topology t, IdentityWork w, double poolRate) =>
        (w.Passes.Sum(p => p.Hashes) / poolRate) + (w.Startup * Math.Min(1, t.SoloK2PowRate(w.Identity) / poolRate));

    internal static double FirstK2PowSeconds(Topology t, IdentityWork w) => w.Passes[0].Hashes / t.SoloK2PowRate(w.Identity);

    // The last k2pow a pool computes is some pass's, and that pass's read follows it: at least the identity's shortest read.
    internal static double ShortestReadSeconds(Topology t, IdentityWork w) => t.DataBytes(w.Identity) / (t.SoloReadRate(w.Identity) * w.Passes.Max(p => p.Jitter));

    // Each reader of n gets at most bw × its factor ÷ n, so the disk-seconds of all reads never exceed the time the disk is read.
    internal static double DiskSeconds(Topology t, DiskModel disk, IdentityWork w) => w.Passes.Sum(p => t.DataBytes(w.Identity) / (disk.Bandwidth * p.Jitter));

    /// <summary>Max Σ value of a subset with Σ weight ≤ capacity; weights rounded down to capacity/Steps (an upper bound, exact on the grid).</summary>
    internal static double Knapsack(double[] values, double[] weights, double capacity)
    {
        if (capacity < 0)
        {
            return 0;
        }

        if (weights.Sum() <= capacity)
        {
            return values.Sum();
        }

        var step = capacity / Steps;
        var best = new double[Steps + 1];
        for (var i = 0; i < values.Length; i++)
        {
            var w = step > 0 ? (int)Math.Min(Steps + 1, Math.Floor(weights[i] / step)) : (weights[i] > 0 ? Steps + 1 : 0);
            if (w > Steps)
            {
                continue;
            }

            for (var c = Steps; c >= w; c--)
            {
                best[c] = Math.Max(best[c], best[c - w] + values[i]);
            }
        }

        return best[Steps];
    }
}
