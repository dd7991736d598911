namespace PostFleet.Bench;

/// <summary>
/// A makespan no schedule can beat, from three physical limits: no disk reads faster than its bandwidth (its
/// reads' disk-seconds, plus the shortest start-up and first k2pow of its identities, since nothing can read
/// before some k2pow is done), no CPU (or the remote pool) computes more k2pow than its cores allow (its hashes ÷
/// total hash rate, and start-ups at one job's share of it, plus the shortest read of its identities, since the last k2pow is followed by a read), and no
/// identity finishes faster than its own start-up, k2pow and reads alone. On the epoch's actual work (draws, failed
/// passes) when given, else on the expected work of one pass each.
/// </summary>
public sealed record LowerBound(double Seconds, string BindingResource, double DiskSeconds, double CpuSeconds, double LongestIdentitySeconds)
{
    public static LowerBound Of(Topology t) => Of(t, [.. t.Identities.Select(i => FleetModel.WorkOf(t, i, 0, null, null))]);

    public static LowerBound Of(Topology t, IReadOnlyList<IdentityWork> work)
    {
        var best = (Seconds: 0.0, What: "nothing");
        double disk = 0, cpu = 0, longest = 0;
        foreach (var d in t.Disks)
        {
            var ids = work.Where(w => w.Identity.Disk == d.Index).ToList();
            if (ids.Count == 0)
            {
                continue;
            }

            var seconds = ids.Sum(w => UpperBound.DiskSeconds(t, d, w)) + ids.Min(w => w.Startup + UpperBound.FirstK2PowSeconds(t, w));
            disk = Math.Max(disk, seconds);
            if (seconds > best.Seconds)
            {
                best = (seconds, $"disk {d.Name}");
            }
        }

        var pools = t.Remote is { } r
            ? [(Name: "remote k2pow", Rate: r.Workers * r.HashRate, Ids: work.ToList())]
            : t.Hosts.Select(h => (Name: $"cpu {h.Name}", Rate: h.Cores * h.HashRatePerCore, Ids: work.Where(w => w.Identity.Host == h.Index).ToList())).ToList();
        foreach (var pool in pools)
        {
            if (pool.Ids.Count == 0)
            {
                continue;
            }

            var seconds = pool.Ids.Sum(w => UpperBound.PoolSeconds(t, w, pool.Rate)) + pool.Ids.Min(w => UpperBound.ShortestReadSeconds(t, w));
            cpu = Math.Max(cpu, seconds);
            if (seconds > best.Seconds)
            {
                best = (seconds, pool.Name);
            }
        }

        foreach (var w in work)
        {
            var seconds = UpperBound.SoloSeconds(t, w);
            longest = Math.Max(longest, seconds);
            if (seconds > best.Seconds)
            {
                best = (seconds, $"identity {w.Identity.Name}");
            }
        }

        return new LowerBound(best.Seconds, best.What, disk, cpu, longest);
    }
}
