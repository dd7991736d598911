using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.InProcess.Tests.Fakes;

/// <summary>
/// Where the fake post-services run: starts one from the launch's own arguments (<c>--dir</c> names the identity's
/// data, <c>--operator-address</c> where /status answers), lists live and ended runs until they are forgotten,
/// ends a run on stop (SIGTERM), and serves /status for the run listening on an address.
/// </summary>
public sealed class FakeRuntime(TimeProvider time, Func<string, (string Identity, string Disk, ulong DataBytes)> dataDir, Func<string, ServiceFault> faultOf, int nonces, Lock world)
    : IServiceRuntime, IPostStatusClient
{
    private readonly Lock _gate = world;
    private readonly List<FakePostService> _runs = [];
    private readonly List<FakePostService> _all = [];
    private readonly HashSet<string> _hungStatus = new(StringComparer.Ordinal);
    private int _instances;

    /// <summary>From now on the identity's /status never answers, not even to cancellation (a starved or hung process).</summary>
    public void HangStatus(string identity)
    {
        lock (_gate)
        {
            _hungStatus.Add(identity);
        }
    }

    /// <summary>Every run ever started, oldest first.</summary>
    public IReadOnlyList<FakePostService> AllRuns
    {
        get
        {
            lock (_gate)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Stop calls received (the executor makes them in the background).</summary>
    public int Stops { get; private set; }

    public Task<RuntimeInstance> StartAsync(ServiceLaunch launch, CancellationToken cancellationToken)
    {
        var (identity, disk, bytes) = dataDir(Argument(launch, "--dir"));
        lock (_gate)
        {
            var firstRun = _all.All(r => r.Identity != identity);
            var fault = faultOf(identity);
            var run = new FakePostService(identity, $"fake:{++_instances}", disk, Argument(launch, "--operator-address"), bytes, nonces, time.GetUtcNow(), firstRun || fault == ServiceFault.ExitAtStart ? fault : ServiceFault.None);
            _runs.Add(run);
            _all.Add(run);
            return Task.FromResult(Instance(run));
        }
    }

    public Task StopAsync(RuntimeInstance instance, TimeSpan grace, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Stops++;
            _runs.FirstOrDefault(r => r.InstanceId == instance.InstanceId)?.Terminate();
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RuntimeInstance>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<RuntimeInstance>>([.. _runs.Select(Instance)]);
        }
    }

    public Task ForgetAsync(RuntimeInstance instance, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_runs.FirstOrDefault(r => r.InstanceId == instance.InstanceId) is { Running: true })
            {
                throw new InvalidOperationException($"{instance.ServiceName} is still running: forgetting it would orphan it");
            }

            _runs.RemoveAll(r => r.InstanceId == instance.InstanceId);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ReadLogTailAsync(RuntimeInstance instance, int lines, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var run = _all.FirstOrDefault(r => r.InstanceId == instance.InstanceId);
            return Task.FromResult<IReadOnlyList<string>>(run is null ? [] : [.. run.Log.TakeLast(lines)]);
        }
    }

    public Task<ServiceStatus> GetStatusAsync(string operatorAddress, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var run = _runs.LastOrDefault(r => r.Running && r.OperatorAddress == operatorAddress);
            if (run is not null && _hungStatus.Contains(run.Identity))
            {
                return new TaskCompletionSource<ServiceStatus>().Task;
            }

            return Task.FromResult(run?.StatusAt(time.GetUtcNow()) ?? new ServiceStatus.Unreachable("connection refused"));
        }
    }

    /// <summary>The live runs, for the world to advance and the node to talk to.</summary>
    public IReadOnlyList<FakePostService> Live()
    {
        lock (_gate)
        {
            return [.. _runs.Where(r => r.Running)];
        }
    }

    private static RuntimeInstance Instance(FakePostService run) =>
        new(run.Identity, run.InstanceId, run.StartedAt, run.Running, run.ExitCode, null);

    private static string Argument(ServiceLaunch launch, string flag)
    {
        var at = launch.Arguments.ToList().IndexOf(flag);
        return at >= 0 && at + 1 < launch.Arguments.Count ? launch.Arguments[at + 1] : throw new ArgumentException($"the launch of {launch.ServiceName} has no {flag}");
    }
}
