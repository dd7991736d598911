namespace PostFleet.Bench;

/// <summary>The caps a strategy promises to hold; the tests check them at every step.</summary>
public sealed record StrategyCaps(int? ReadersPerDisk = null, int? K2PowPerHost = null, int? RunningPerHost = null);

/// <summary>
/// A way of deciding which post-services to start. One instance per host, like the peers' tools (and PostFleet's
/// daemon) run one per machine. <see cref="Decide"/> acts on the model and returns when it wants to look again
/// (absolute seconds; +∞ = only when a phase ends on its host).
/// </summary>
public interface IStrategy
{
    string Name { get; }

    StrategyCaps Caps { get; }

    void BeginEpoch(FleetModel model, int epoch);

    double Decide(FleetModel model, int host);
}

/// <summary>Everything at once: every PROVING identity's service starts at gap open.</summary>
public sealed class AllAtOnce : IStrategy
{
    public string Name => "all-at-once";

    public StrategyCaps Caps { get; } = new();

    public void BeginEpoch(FleetModel model, int epoch)
    {
    }

    public double Decide(FleetModel model, int host)
    {
        foreach (var job in model.JobsOf(host).Where(j => j.Phase == JobPhase.Waiting && !j.Running))
        {
            model.Start(job);
        }

        return double.PositiveInfinity;
    }
}

/// <summary>
/// The demo's static proving DAG (peers.md A1): each service starts once the ones it depends on have proved; no
/// PoW cap. For the demo topology its chains come from the topology (<c>after:</c>, as in proving.yaml, the
/// accidental diskC_post2 → diskA_post2 edge included); elsewhere one chain per disk in config order.
/// Reacts at once (dagu's 2 s retry is not modelled).
/// </summary>
public sealed class StaticDag(Topology topology) : IStrategy
{
    private readonly Dictionary<string, string[]> _after = topology.Identities.ToDictionary(
        i => i.Name,
        i => Predecessors(topology, i),
        StringComparer.Ordinal);

    public string Name => "demo-dag";

    private static string[] Predecessors(Topology topology, IdentitySpec i) =>
        topology.Chains.TryGetValue(i.Name, out var after)
            ? [.. after]
            : topology.Chains.IsEmpty
                ? [.. topology.Identities.Where(p => p.Disk == i.Disk && p.Index < i.Index).Select(p => p.Name).TakeLast(1)]
                : [];

    public StrategyCaps Caps { get; } = new(ReadersPerDisk: topology.Chains.IsEmpty ? 1 : null);

    public void BeginEpoch(FleetModel model, int epoch)
    {
    }

    public double Decide(FleetModel model, int host)
    {
        var done = model.Jobs.Where(j => j.Phase == JobPhase.Done).Select(j => j.Identity.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var job in model.JobsOf(host))
        {
            if (job.Phase == JobPhase.Done && job.Running)
            {
                model.Stop(job); // the chain's "stop" step
            }
            else if (job.Phase == JobPhase.Waiting && !job.Running && _after[job.Identity.Name].All(done.Contains))
            {
                model.Start(job);
            }
        }

        return double.PositiveInfinity;
    }
}

/// <summary>
/// psm's "phased workflow" (peers.md A2): while fewer than <c>service_parallel</c> services are in PoW, start the
/// first service not yet online in config order, one per loop tick (60 s). Finished services stay up; no disk
/// awareness. Reacts to phase changes at once (more generous than psm's 60 s polling).
/// </summary>
public sealed class PsmPhased(int serviceParallel, double tickSeconds = 60) : IStrategy
{
    private readonly Dictionary<int, double> _lastStart = [];

    public string Name => $"psm(parallel={serviceParallel})";

    public StrategyCaps Caps { get; } = new(K2PowPerHost: serviceParallel);

    public void BeginEpoch(FleetModel model, int epoch) => _lastStart.Clear();

    public double Decide(FleetModel model, int host)
    {
        if (_lastStart.TryGetValue(host, out var last) && model.Now < last + tickSeconds)
        {
            return last + tickSeconds; // one start per loop tick
        }

        var jobs = model.JobsOf(host);
        if (jobs.Count(j => j.Phase is JobPhase.Starting or JobPhase.K2Pow) >= serviceParallel)
        {
            return double.PositiveInfinity;
        }

        var next = jobs.FirstOrDefault(j => j.Phase == JobPhase.Waiting && !j.Running);
        if (next is null)
        {
            return double.PositiveInfinity;
        }

        model.Start(next);
        _lastStart[host] = model.Now;
        return model.Now + tickSeconds;
    }
}

/// <summary>
/// sm-psm (peers.md A3): walk services in config order and start each PROVING one while fewer than max_POW are
/// in PoW and fewer than max_Services run; stop services whose identity is IDLE and that are idle.
/// </summary>
public sealed class SmPsmCaps(int maxPow, int maxServices) : IStrategy
{
    public string Name => $"sm-psm({maxPow}/{maxServices})";

    public StrategyCaps Caps { get; } = new(K2PowPerHost: maxPow, RunningPerHost: maxServices);

    public void BeginEpoch(FleetModel model, int epoch)
    {
    }

    public double Decide(FleetModel model, int host)
    {
        var jobs = model.JobsOf(host);
        foreach (var job in jobs.Where(j => j.Phase == JobPhase.Done && j.Running))
        {
            model.Stop(job);
        }

        var pow = jobs.Count(j => j.Phase is JobPhase.Starting or JobPhase.K2Pow);
        var running = jobs.Count(j => j.Running);
        foreach (var job in jobs.Where(j => j.Phase == JobPhase.Waiting && !j.Running))
        {
            if (pow >= maxPow || running >= maxServices)
            {
                break;
            }

            model.Start(job);
            pow++;
            running++;
        }

        return double.PositiveInfinity;
    }
}
