namespace PostFleet.Bench;

/// <summary>
/// A makespan no schedule can beat, from three physical limits: no disk reads faster than its bandwidth (its
/// bytes / bw, plus the shortest solo k2pow of its identities, since nothing can read before some k2pow is done),
/// no CPU (or the remote pool) computes more k2pow than its cores allow (its hashes / total hash rate, plus the
/// shortest solo read of its identities, since the last k2pow is followed by a read), and no
/// identity finishes faster than its own solo k2pow plus solo read.
/// </summary>
public sealed record LowerBound(double Seconds, string BindingResource, double DiskSeconds, double CpuSeconds, double LongestIdentitySeconds)
{
    public static LowerBound Of(Topology t)
    {
        var best = (Seconds: 0.0, What: "nothing");
        double disk = 0, cpu = 0, longest = 0;
        foreach (var d in t.Disks)
        {
            var ids = t.Identities.Where(i => i.Disk == d.Index).ToList();
            if (ids.Count == 0)
            {
                continue;
            }

            var seconds = (ids.Sum(t.DataBytes) / d.Bandwidth) + ids.Min(i => t.K2PowHashes(i) / t.SoloK2PowRate(i));
            disk = Math.Max(disk, seconds);
            if (seconds > best.Seconds)
            {
                best = (seconds, $"disk {d.Name}");
            }
        }

        var pools = t.Remote is { } r
            ? [(Name: "remote k2pow", Rate: r.Workers * r.HashRate, Ids: t.Identities.ToList())]
            : t.Hosts.Select(h => (Name: $"cpu {h.Name}", Rate: h.Cores * h.HashRatePerCore, Ids: t.Identities.Where(i => i.Host == h.Index).ToList())).ToList();
        foreach (var pool in pools)
        {
            if (pool.Ids.Count == 0)
            {
                continue;
            }

            var seconds = (pool.Ids.Sum(t.K2PowHashes) / pool.Rate) + pool.Ids.Min(i => t.DataBytes(i) / t.SoloReadRate(i));
            cpu = Math.Max(cpu, seconds);
            if (seconds > best.Seconds)
            {
                best = (seconds, pool.Name);
            }
        }

        foreach (var i in t.Identities)
        {
            var seconds = (t.K2PowHashes(i) / t.SoloK2PowRate(i)) + (t.DataBytes(i) / t.SoloReadRate(i));
            longest = Math.Max(longest, seconds);
            if (seconds > best.Seconds)
            {
                best = (seconds, $"identity {i.Name}");
            }
        }

        return new LowerBound(best.Seconds, best.What, disk, cpu, longest);
    }
}
