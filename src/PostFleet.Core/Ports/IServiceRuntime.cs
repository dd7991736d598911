using PostFleet.Core.Model;

namespace PostFleet.Core.Ports;

/// <summary>
/// Where post-services run. There is no restart: the planner decides a stop and a later start. A service counts
/// as stopped only when <see cref="ListAsync"/> says so, never because a stop call returned.
/// </summary>
public interface IServiceRuntime
{
    Task<RuntimeInstance> StartAsync(ServiceLaunch launch, CancellationToken cancellationToken);

    /// <summary>Asks the run to end (SIGTERM or the runtime's equivalent), and kills it after <paramref name="grace"/>.</summary>
    Task StopAsync(RuntimeInstance instance, TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>The runs this orchestrator started and still knows about (including ones adopted after a restart).</summary>
    Task<IReadOnlyList<RuntimeInstance>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Forgets a run that has ended, after its exit has been observed.</summary>
    Task ForgetAsync(RuntimeInstance instance, CancellationToken cancellationToken);

    /// <summary>
    /// The last <paramref name="lines"/> lines the run has written so far (stderr and stdout), oldest first; empty
    /// when there is no log yet. Read while the run is live, so a service that cannot connect can say why.
    /// </summary>
    Task<IReadOnlyList<string>> ReadLogTailAsync(RuntimeInstance instance, int lines, CancellationToken cancellationToken);
}
