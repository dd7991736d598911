using PostFleet.Core.Launch;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Asks the runtime for the log tail of the runs whose log may hold a reason the other sources cannot give:
/// live runs that are not proving (a service that cannot reach the node answers /status with "Idle" forever)
/// and runs that ended with an error. Proving runs are left alone, so a healthy fleet costs no log reads, and a
/// service whose /status shows work has no problem whatever its log said before.
/// </summary>
public sealed class ServiceLogReader(IServiceRuntime runtime, TimeProvider time)
{
    private const int TailLines = 40;

    public async Task<IReadOnlyDictionary<string, ServiceProblem>> DiagnoseAsync(
        IReadOnlyList<RuntimeInstance> runs,
        IReadOnlyDictionary<string, ServiceStatus> statuses,
        CancellationToken cancellationToken)
    {
        var suspects = runs
            .GroupBy(r => r.ServiceName, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(r => r.Running).ThenByDescending(r => r.StartedAt).First())
            .Where(r => NeedsLook(r, statuses.GetValueOrDefault(r.ServiceName)))
            .ToList();
        var found = await Task.WhenAll(suspects.Select(async r => (r.ServiceName, Problem: await DiagnoseAsync(r, cancellationToken))));
        return found.Where(f => f.Problem is not null).ToDictionary(f => f.ServiceName, f => f.Problem!, StringComparer.Ordinal);
    }

    internal static bool NeedsLook(RuntimeInstance run, ServiceStatus? status) =>
        run.Running ? status is not (ServiceStatus.Proving or ServiceStatus.DoneProving) : run.ExitCode is not (null or 0);

    private async Task<ServiceProblem?> DiagnoseAsync(RuntimeInstance run, CancellationToken cancellationToken)
    {
        try
        {
            var tail = await runtime.ReadLogTailAsync(run, TailLines, cancellationToken);
            return ServiceLogDiagnosis.Diagnose(tail, time.GetUtcNow(), PostServiceCommandLine.ReconnectInterval);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A log we cannot read is no diagnosis; it must never fail the observation.
            return null;
        }
    }
}
