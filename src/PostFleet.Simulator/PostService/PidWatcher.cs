using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.PostService;

/// <summary><c>--watch-pid</c>: polls every second and returns when the PID is missing, a zombie, or dead.</summary>
public sealed class PidWatcher(int pid, ServiceLog log, TimeProvider time)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        log.Info("post_service", $"watching PID {pid}");
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            switch (ProcessLiveness.Of(pid))
            {
                case ProcessLiveness.State.Missing:
                    log.Info("post_service", $"PID {pid} not found");
                    return;
                case ProcessLiveness.State.Zombie:
                    log.Info("post_service", $"PID {pid} died (status: Zombie)");
                    return;
                default:
                    break;
            }
        }
    }
}
