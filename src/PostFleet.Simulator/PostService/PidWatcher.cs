using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.PostService;

/// <summary><c>--watch-pid</c>: polls every second and returns when the PID is missing, a zombie, or dead.</summary>
public sealed class PidWatcher(int pid, ServiceLog log, TimeProvider time)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        log.Info("post_service", $"watching PID {pid}");
        log.Info("post_service", await ProcessLiveness.GoneAsync(pid, time, cancellationToken) == ProcessLiveness.State.Zombie
            ? $"PID {pid} died (status: Zombie)"
            : $"PID {pid} not found");
    }
}
