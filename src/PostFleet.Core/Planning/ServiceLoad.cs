using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// What a running service costs the machine right now, as the caps count it. Conservative on purpose: when
/// unsure, a service counts as using the disk and the CPU, so a cap is never exceeded by guessing wrong.
/// </summary>
public static class ServiceLoad
{
    /// <summary>
    /// Counts against per-disk until the node has the proof (the disk read is over by then). A run with nothing in hand
    /// (/status Idle) whose identity the node does not ask for a proof (IDLE) reads nothing and only waits for its
    /// stop: it must not keep an asked disk-mate waiting (a restarted daemon does not know which runs delivered).
    /// </summary>
    public static bool OccupiesDisk(RuntimeInstance? liveRun, ServiceStatus? status, NodePostState? nodeState, ServiceMemory memory) =>
        liveRun is not null && !memory.Delivered && !(status is ServiceStatus.Idle && nodeState == NodePostState.Idle);

    /// <summary>
    /// Counts against max-pow: /status says Proving at position 0 (k2pow runs before each pass's disk read), or it
    /// says Idle right after the start (about to begin), or it does not answer (starting up, or building the
    /// RandomX state, during which /status blocks).
    /// </summary>
    public static bool InK2Pow(RuntimeInstance? liveRun, ServiceStatus? status, ServiceMemory memory, ScheduleLimits limits, DateTimeOffset now)
    {
        if (liveRun is null || memory.Delivered)
        {
            return false;
        }

        var justStarted = now - liveRun.StartedAt < limits.StartupGrace;
        return status switch
        {
            ServiceStatus.Proving proving => proving.InK2Pow,
            ServiceStatus.DoneProving => false,
            ServiceStatus.Idle => justStarted,
            _ => true,
        };
    }
}
