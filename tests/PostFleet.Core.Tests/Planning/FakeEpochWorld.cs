using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// A tiny deterministic world for whole-epoch tests: the node turns every identity PROVING when the cycle gap
/// opens; a started service goes through startup (no /status), k2pow (position 0), a disk read (position
/// grows, longer for more units), DoneProving, then the node takes the proof (postComplete, then IDLE a tick
/// later). The planner's actions are applied as the loop would; one tick is one second.
/// </summary>
internal sealed class FakeEpochWorld(FleetSpec spec)
{
    private const int StartupTicks = 2;
    private const int K2PowTicks = 3;

    private readonly Dictionary<string, ServiceRun> _runs = [];
    private readonly Dictionary<string, RuntimeInstance> _exited = [];
    private readonly Dictionary<string, NodePostState> _identities = spec.Services.ToDictionary(s => s.Name, _ => NodePostState.Idle);
    private readonly List<NodeEvent> _events = [];
    private int _instance;

    public DateTimeOffset Now { get; private set; } = Fleet.T0;

    public List<(DateTimeOffset Time, PlannedAction Action, NodePostState State)> Log { get; } = [];

    public Dictionary<string, DateTimeOffset> DeliveredAt { get; } = [];

    /// <summary>Services that crash once in k2pow, the first time they run.</summary>
    public HashSet<string> CrashOnce { get; } = [];

    public void OpenCycleGap()
    {
        foreach (var name in _identities.Keys)
        {
            _identities[name] = NodePostState.Proving;
        }
    }

    public FleetSnapshot Observe()
    {
        var runs = _runs.ToDictionary(kv => kv.Key, kv => kv.Value.Instance);
        foreach (var (name, exited) in _exited)
        {
            runs[name] = exited;
        }

        var snapshot = new FleetSnapshot(
            Now,
            NodeReachable: true,
            _identities.ToDictionary(kv => kv.Key, kv => new IdentityState(kv.Key, Fleet.IdOf(kv.Key), kv.Value)),
            runs,
            _runs.Where(kv => kv.Value.Status is not null).ToDictionary(kv => kv.Key, kv => kv.Value.Status!),
            [.. _events],
            UserIntents.None);
        _events.Clear();
        return snapshot;
    }

    public void Apply(Plan plan)
    {
        foreach (var action in plan.Actions)
        {
            Log.Add((Now, action, _identities[action.ServiceName]));
            switch (action)
            {
                case PlannedAction.StartService start:
                    var crash = CrashOnce.Remove(start.ServiceName);
                    _runs[start.ServiceName] = new ServiceRun(new RuntimeInstance(start.ServiceName, $"i{++_instance}", Now, true, null, null), crash);
                    break;
                case PlannedAction.StopService stop:
                    _runs.Remove(stop.ServiceName);
                    _exited[stop.ServiceName] = stop.Run with { Running = false, ExitCode = 143 };
                    break;
                case PlannedAction.ForgetRun forget:
                    _exited.Remove(forget.Instance.ServiceName);
                    break;
            }
        }
    }

    /// <summary>One second passes for every run and for the node.</summary>
    public void Tick()
    {
        Now = Now.AddSeconds(1);
        foreach (var (name, run) in _runs.ToList())
        {
            run.Age++;
            var units = spec.FindService(name)!.NumUnits;
            var readTicks = (int)(units / 4) + 1;
            if (run.Age <= StartupTicks)
            {
                run.Status = null;
            }
            else if (run.Age <= StartupTicks + K2PowTicks)
            {
                if (run.CrashInK2Pow)
                {
                    _runs.Remove(name);
                    _exited[name] = run.Instance with { Running = false, ExitCode = 101 };
                    continue;
                }

                run.Status = new ServiceStatus.Proving(0, 16, 0);
            }
            else if (run.Age <= StartupTicks + K2PowTicks + readTicks)
            {
                run.Status = new ServiceStatus.Proving(0, 16, (ulong)(run.Age - StartupTicks - K2PowTicks) << 20);
            }
            else if (!DeliveredAt.ContainsKey(name))
            {
                // DoneProving for one tick, then the node fetches the proof.
                if (run.Status is ServiceStatus.DoneProving)
                {
                    DeliveredAt[name] = Now;
                    _events.Add(new NodeEvent.PostCompleted(Now, Fleet.IdOf(name), "00"));
                    run.Status = new ServiceStatus.Idle();
                }
                else
                {
                    run.Status = new ServiceStatus.DoneProving();
                }
            }
        }

        // The node turns an identity IDLE one tick after it received the proof.
        foreach (var (name, at) in DeliveredAt)
        {
            if (Now - at >= TimeSpan.FromSeconds(1))
            {
                _identities[name] = NodePostState.Idle;
            }
        }
    }

    /// <summary>What the world says, not what the planner believes: who is really on each resource now.</summary>
    public (Dictionary<string, int> ProvingPerDisk, int InK2Pow, int Running) Truth()
    {
        var live = _runs.Where(kv => !DeliveredAt.ContainsKey(kv.Key)).ToList();
        var perDisk = live.GroupBy(kv => spec.FindService(kv.Key)!.Disk).ToDictionary(g => g.Key, g => g.Count());
        var k2pow = live.Count(kv => kv.Value.Status is null or ServiceStatus.Proving { Position: 0 });
        return (perDisk, k2pow, _runs.Count);
    }

    public bool AllIdleAndStopped => _identities.Values.All(s => s == NodePostState.Idle) && _runs.Count == 0 && _exited.Count == 0;

    private sealed class ServiceRun(RuntimeInstance instance, bool crashInK2Pow)
    {
        public RuntimeInstance Instance { get; } = instance;

        public bool CrashInK2Pow { get; } = crashInK2Pow;

        public int Age { get; set; }

        public ServiceStatus? Status { get; set; }
    }
}
