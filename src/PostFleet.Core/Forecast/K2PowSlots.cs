using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;

namespace PostFleet.Core.Forecast;

/// <summary>
/// The forecast's k2pow slots, one set per resource the planner counts k2pow against (<see cref="K2PowResource"/>):
/// this host's CPU (<c>schedule.max-pow</c>; every local service when 0), the pool behind the router
/// (<c>k2pow.max-pow</c>) and each direct worker (one job at a time). A service waits only for a slot of its own
/// resource, as in the planner, so local and remote k2pow never hold each other back.
/// </summary>
internal sealed class K2PowSlots
{
    private readonly FleetSpec _spec;
    private readonly Dictionary<string, double[]> _free = new(StringComparer.Ordinal);

    private K2PowSlots(FleetSpec spec) => _spec = spec;

    /// <summary>Slots of this host's CPU: what the CPU warning and `plan`'s header count.</summary>
    public int LocalSlots { get; private init; }

    public static K2PowSlots Of(FleetSpec spec)
    {
        var local = spec.Services.Count(s => K2PowResource.Of(s, spec).Key == "local");
        var slots = new K2PowSlots(spec) { LocalSlots = spec.Schedule.MaxPow > 0 ? spec.Schedule.MaxPow : Math.Max(1, local) };
        foreach (var service in spec.Services)
        {
            var resource = K2PowResource.Of(service, spec);
            if (!slots._free.ContainsKey(resource.Key))
            {
                slots._free[resource.Key] = new double[resource.Key == "local" ? slots.LocalSlots : Math.Max(1, resource.Cap)];
            }
        }

        return slots;
    }

    public bool IsLocal(ServiceSpec service) => K2PowResource.Of(service, _spec).Key == "local";

    /// <summary>When a slot of the service's resource is first free.</summary>
    public double FreeAt(ServiceSpec service) => _free[K2PowResource.Of(service, _spec).Key].Min();

    /// <summary>The service's k2pow holds the first free slot of its resource until <paramref name="until"/>.</summary>
    public void Take(ServiceSpec service, double until)
    {
        var slots = _free[K2PowResource.Of(service, _spec).Key];
        slots[Array.IndexOf(slots, slots.Min())] = until;
    }

    /// <summary>
    /// RandomX hashes per second one service's k2pow gets. Local: the assumed rate of one k2pow job. On the pool: a
    /// worker runs one nonce group at a time (post-rs k2pow-service/src/job_manager.rs, JobManager::get_or_create),
    /// so a service gets as many workers as it sends groups in parallel (--remote-k2pow-parallelism, at most its
    /// nonces/16 groups), no more than its share of the pool while k2pow.max-pow services run at once, each at its
    /// measured hash rate (the assumption where none is configured). A direct worker: one group at a time.
    /// </summary>
    public static double HashRateOf(ServiceSpec service, FleetSpec spec, HardwareAssumptions hardware)
    {
        if (spec.K2Pow is not { } pool || pool.RemoteFor(service) is not { } url)
        {
            return hardware.K2PowHashRate;
        }

        return RemoteRate(service, url, pool, spec.Post, hardware);
    }

    // Apart from HashRateOf so that its lambdas' closure is made only for a service on remote k2pow, not for every
    // local one each pass.
    private static double RemoteRate(ServiceSpec service, Uri url, K2PowPoolSpec pool, PostSettings post, HardwareAssumptions hardware)
    {
        var workers = pool.AllWorkers.ToList();
        double RateOf(K2PowWorkerSpec w) => w.HashRate ?? hardware.K2PowHashRate;
        if (!pool.Routes(service))
        {
            return workers.FirstOrDefault(w => w.Url.Authority == url.Authority) is { } own ? RateOf(own) : hardware.K2PowHashRate;
        }

        if (workers.Count == 0)
        {
            return hardware.K2PowHashRate;
        }

        var groups = Math.Max(1, post.Nonces / 16);
        var share = Math.Max(1, workers.Count / Math.Max(1, pool.MaxPow));
        var used = Math.Min(share, Math.Min(pool.Parallelism, groups));
        return used * workers.Average(RateOf);
    }
}
