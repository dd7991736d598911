using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// Where a service's k2pow runs, and so which cap it counts against: this machine's CPU (<c>schedule.max-pow</c>),
/// the remote pool behind the router (<c>k2pow.max-pow</c>), or a worker of its own (<c>k2pow.direct</c>, one job at
/// a time). Local and remote k2pow never compete: a service on the pool takes no local slot and the other way round.
/// </summary>
internal readonly record struct K2PowResource(string Key, int Cap, string CapName)
{
    public static K2PowResource Of(ServiceSpec service, FleetSpec spec)
    {
        if (spec.K2Pow is not { } pool || pool.RemoteFor(service) is not { } url)
        {
            return new("local", spec.Schedule.MaxPow, "max-pow");
        }

        return pool.Routes(service)
            ? new("pool", pool.MaxPow, "k2pow.max-pow")
            : new("direct " + url, 1, $"its own k2pow worker {url.Authority}");
    }

    /// <summary>
    /// Services of <paramref name="names"/> whose k2pow runs on the same resource as <paramref name="service"/>:
    /// without a pool, <paramref name="names"/> itself (every k2pow is local; asked once per waiting service in a pass).
    /// </summary>
    public static IReadOnlyList<string> Sharing(ServiceSpec service, IReadOnlyList<string> names, StartContext c)
    {
        if (c.Spec.K2Pow is null)
        {
            return names;
        }

        var resource = Of(service, c.Spec);
        return [.. names.Where(n => c.ByName.TryGetValue(n, out var other) && Of(other, c.Spec).Key == resource.Key)];
    }
}
