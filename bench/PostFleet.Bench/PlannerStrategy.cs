using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Bench;

/// <summary>
/// PostFleet: the real <see cref="Planner.Decide"/>, one planner per host (as one daemon per machine), fed
/// snapshots built from the model (every identity PROVING at gap open, IDLE once delivered; /status Proving at
/// position 0 during k2pow, bytes read during the read, the pass's nonces; a postComplete event on delivery) and its start and stop
/// actions applied to the model. Memory (with what the planner learned) carries over from epoch to epoch.
/// <paramref name="k2powEstimateScale"/> ≠ 1 distorts the learned k2pow times after the first epoch, to measure
/// what a wrong prediction costs.
/// </summary>
public sealed class PlannerStrategy : IStrategy
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly double DaemonResync = ConfigDefaults.Resync.TotalSeconds;

    private readonly Topology _topology;
    private readonly double _k2powEstimateScale;
    private readonly HostState[] _hosts;
    private DateTimeOffset _epochStart = T0;
    private int _epoch;

    public PlannerStrategy(Topology topology, ScheduleMode mode, string? name = null, double k2powEstimateScale = 1, Func<int, int>? maxPow = null, int maxPowRiskPercent = ConfigDefaults.MaxPowRiskPercent)
    {
        _topology = topology;
        _k2powEstimateScale = k2powEstimateScale;
        Mode = mode;
        Name = name ?? $"postfleet({(mode == ScheduleMode.Pipelined ? "pipelined" : "exclusive")})";
        _hosts = [.. topology.Hosts.Select(h => new HostState(BuildSpec(topology, h.Index, mode, maxPow?.Invoke(h.Index) ?? topology.PowSlots(h.Index), maxPowRiskPercent)))];
        Caps = new StrategyCaps(ReadersPerDisk: 1, K2PowPerHost: topology.Hosts.Select(h => _hosts[h.Index].Spec.Schedule.MaxPow).Max());
    }

    public string Name { get; }

    public ScheduleMode Mode { get; }

    public StrategyCaps Caps { get; }

    public FleetSpec SpecOf(int host) => _hosts[host].Spec;

    /// <summary>The last snapshot and memory handed to the planner (for the planner benchmark).</summary>
    public FleetSnapshot? LastSnapshot { get; private set; }

    public PlannerMemory? LastMemory { get; private set; }

    public PlannerMemory MemoryOf(int host) => _hosts[host].Memory;

    /// <summary>One host's slice of the fleet as a config would give it.</summary>
    public static FleetSpec BuildSpec(Topology topology, int host, ScheduleMode mode, int maxPow, int maxPowRiskPercent = ConfigDefaults.MaxPowRiskPercent)
    {
        var port = 10051;
        var disks = topology.Disks.Where(d => d.Host == host).Select(d => new DiskSpec(
            d.Name,
            [.. topology.Identities.Where(i => i.Disk == d.Index).Select((i, order) =>
                new ServiceSpec(i.Name, d.Name, $"/post/{i.Name}", i.Units, $"127.0.0.1:{port++}", [], order))]));
        var limits = new ScheduleLimits(
            PerDisk: 1,
            MaxPow: maxPow,
            MaxRunning: 0,
            StopGrace: TimeSpan.FromSeconds(10),
            NoProgressTimeout: TimeSpan.Zero, // the model has no hangs; k2pow may outlast any timeout
            IdleStopGrace: TimeSpan.FromSeconds(10),
            RestartBackoffInitial: TimeSpan.FromSeconds(10),
            RestartBackoffMax: TimeSpan.FromMinutes(5),
            OnShutdown: ShutdownPolicy.LeaveRunning)
        {
            StartupGrace = TimeSpan.Zero, // the model's /status answers from the first instant
            Resync = TimeSpan.FromDays(1), // nothing changes in the model between events: no polling needed
            Mode = mode,
            MaxPowRiskPercent = maxPowRiskPercent,
        };
        var post = new PostSettings("post-service", "postcli", (ulong)Math.Round(topology.BytesPerUnit / 16), ConfigDefaults.ScryptN,
            ConfigDefaults.K1, ConfigDefaults.K2, ConfigDefaults.PowDifficulty, ConfigDefaults.RandomXMode, topology.Hosts[host].Cores,
            topology.Nonces, 1, uint.MaxValue, null, ConfigDefaults.Provider);
        var node = new NodeSpec(new Uri("http://127.0.0.1:9094"), new Uri("http://127.0.0.1:9092"), new Uri("http://127.0.0.1:9093"), "/node",
            new PoetTimings(ConfigDefaults.PhaseShift, topology.CycleGap, ConfigDefaults.GracePeriod), null);
        return new FleetSpec(node, post, RuntimeKind.Process, limits, [.. disks], "/state") { Source = $"{topology.Name}:{topology.Hosts[host].Name}" };
    }

    public void BeginEpoch(FleetModel model, int epoch)
    {
        _epoch = epoch;
        _epochStart = T0 + TimeSpan.FromDays(epoch);
        foreach (var host in _hosts)
        {
            host.Runs.Clear();
            host.Reported.Clear();
            if (epoch == 1 && _k2powEstimateScale != 1)
            {
                host.Memory = host.Memory with
                {
                    Services = host.Memory.Services.ToImmutableDictionary(
                        kv => kv.Key,
                        kv => kv.Value.LastK2Pow is { } k ? kv.Value with { LastK2Pow = k * _k2powEstimateScale } : kv.Value,
                        StringComparer.Ordinal),
                };
            }
        }
    }

    public double Decide(FleetModel model, int host)
    {
        var state = _hosts[host];
        var now = At(model.Now);
        var jobs = model.JobsOf(host);
        var identities = new Dictionary<string, IdentityState>(jobs.Count, StringComparer.Ordinal);
        var statuses = new Dictionary<string, ServiceStatus>(jobs.Count, StringComparer.Ordinal);
        var events = new List<NodeEvent>();
        var nonces = (ulong)_topology.Nonces;
        foreach (var job in jobs)
        {
            var id = IdOf(job.Identity.Index);
            var name = job.Identity.Name;
            identities[name] = new IdentityState(name, id, job.Phase == JobPhase.Done ? NodePostState.Idle : NodePostState.Proving);
            // Starting up (RandomX set-up): /status does not answer yet, as the real post-service's does not.
            if (job.Running && job.Phase != JobPhase.Starting)
            {
                statuses[name] = job.Phase switch
                {
                    JobPhase.K2Pow => new ServiceStatus.Proving(nonces * (ulong)job.Pass, nonces * (ulong)(job.Pass + 1), 0),
                    JobPhase.Reading => new ServiceStatus.Proving(nonces * (ulong)job.Pass, nonces * (ulong)(job.Pass + 1), Math.Max(1UL, (ulong)job.BytesRead)),
                    _ => new ServiceStatus.Idle(),
                };
            }

            if (job.Phase == JobPhase.Done && state.Reported.Add(name))
            {
                events.Add(new NodeEvent.PostCompleted(At(job.DoneAt), id, "00"));
            }
        }

        var snapshot = new FleetSnapshot(now, true, identities, state.Runs, statuses, events, UserIntents.None)
        {
            Window = new CycleGapWindow((uint)_epoch + 1, _epochStart, _epochStart + _topology.CycleGap - ConfigDefaults.GracePeriod, _epochStart + _topology.CycleGap, _epochStart + _topology.Deadline),
        };
        LastSnapshot = snapshot;
        LastMemory = state.Memory;
        var plan = Planner.Decide(state.Spec, snapshot, state.Memory, now);
        state.Memory = plan.Next;
        foreach (var action in plan.Actions)
        {
            var job = jobs.First(j => j.Identity.Name == action.ServiceName);
            switch (action)
            {
                case PlannedAction.StartService:
                    model.Start(job);
                    state.Runs[job.Identity.Name] = new RuntimeInstance(job.Identity.Name, $"{job.Identity.Name}#{_epoch}#{job.Starts}", now, true, null, null);
                    break;
                case PlannedAction.StopService:
                    model.Stop(job);
                    state.Runs.Remove(job.Identity.Name);
                    break;
                case PlannedAction.ForgetRun:
                    state.Runs.Remove(job.Identity.Name);
                    break;
            }
        }

        return Math.Min(model.Now + plan.RequeueAfter.TotalSeconds, LastLookBeforeAReadEnds(model, jobs));
    }

    /// <summary>
    /// The daemon looks every resync (5 s by default), so the last position it sees of a pass that finds a proof is
    /// at most that long before the read ends; the planner learns the read rate from it (a successful pass may stop
    /// early, so the data size is not what it read). The bench wakes the planner only when something changes, so it
    /// adds that one look per read.
    /// </summary>
    private static double LastLookBeforeAReadEnds(FleetModel model, IReadOnlyList<Job> jobs)
    {
        var at = double.PositiveInfinity;
        foreach (var job in jobs)
        {
            if (job.Phase == JobPhase.Reading && job.Rate > 0)
            {
                var look = model.Now + (job.BytesLeft / job.Rate) - DaemonResync;
                if (look > model.Now + 1e-3)
                {
                    at = Math.Min(at, look);
                }
            }
        }

        return at;
    }

    private DateTimeOffset At(double seconds) => _epochStart + TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    private static NodeId IdOf(int index) => new(index.ToString("x64", System.Globalization.CultureInfo.InvariantCulture));

    private sealed class HostState(FleetSpec spec)
    {
        public FleetSpec Spec { get; } = spec;

        public PlannerMemory Memory { get; set; } = PlannerMemory.Empty;

        public Dictionary<string, RuntimeInstance> Runs { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Reported { get; } = new(StringComparer.Ordinal);
    }
}
