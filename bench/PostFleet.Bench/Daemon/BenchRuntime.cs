using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Bench.Daemon;

/// <summary>
/// Where `bench daemon`'s post-services "run": a start adds a live run that answers /status at its operator address,
/// in k2pow for <see cref="K2Pow"/> and then reading at <see cref="ReadBytesPerSecond"/>, so slowly that no run
/// finishes while the bench measures (the live set stays what the scenario asked for). A stop ends the run.
/// </summary>
internal sealed class BenchRuntime(TimeProvider time) : IServiceRuntime, IPostStatusClient
{
    public static readonly TimeSpan K2Pow = TimeSpan.FromSeconds(2);
    public const ulong ReadBytesPerSecond = 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, RuntimeInstance> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byAddress = new(StringComparer.Ordinal);
    private int _instances;

    /// <summary>The /status answers given (one per live run per read).</summary>
    public long StatusReads;

    public int Live
    {
        get
        {
            lock (_gate)
            {
                return _runs.Values.Count(r => r.Running);
            }
        }
    }

    public Task<RuntimeInstance> StartAsync(ServiceLaunch launch, CancellationToken cancellationToken)
    {
        var address = launch.Arguments[launch.Arguments.ToList().IndexOf("--operator-address") + 1];
        lock (_gate)
        {
            var run = new RuntimeInstance(launch.ServiceName, $"bench:{++_instances}", time.GetUtcNow(), true, null, null);
            _runs[launch.ServiceName] = run;
            _byAddress[address] = launch.ServiceName;
            return Task.FromResult(run);
        }
    }

    public Task StopAsync(RuntimeInstance instance, TimeSpan grace, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue(instance.ServiceName, out var run) && run.InstanceId == instance.InstanceId)
            {
                _runs[instance.ServiceName] = run with { Running = false, ExitCode = 0 };
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RuntimeInstance>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<RuntimeInstance>>([.. _runs.Values]);
        }
    }

    public Task ForgetAsync(RuntimeInstance instance, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue(instance.ServiceName, out var run) && run.InstanceId == instance.InstanceId && !run.Running)
            {
                _runs.Remove(instance.ServiceName);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ReadLogTailAsync(RuntimeInstance instance, int lines, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(["INFO post_service: proving"]);

    public Task<ServiceStatus> GetStatusAsync(string operatorAddress, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref StatusReads);
        lock (_gate)
        {
            if (!_byAddress.TryGetValue(operatorAddress, out var name) || _runs.GetValueOrDefault(name) is not { Running: true } run)
            {
                return Task.FromResult<ServiceStatus>(new ServiceStatus.Unreachable("connection refused"));
            }

            var reading = time.GetUtcNow() - run.StartedAt - K2Pow;
            var position = reading <= TimeSpan.Zero ? 0 : (ulong)(reading.TotalSeconds * ReadBytesPerSecond);
            return Task.FromResult<ServiceStatus>(new ServiceStatus.Proving(0, 16, position));
        }
    }
}
