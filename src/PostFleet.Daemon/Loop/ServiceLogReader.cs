using PostFleet.Core.Launch;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Asks the runtime for the log tail of the runs whose log may hold a reason the other sources cannot give:
/// live runs that are not proving (a service that cannot reach the node answers /status with "Idle" forever)
/// and runs that ended with an error. Proving runs are left alone, so a healthy fleet costs no log reads, and a
/// service whose /status shows work has no problem whatever its log said before.
/// An ended run's log is read once, in the pass that sees it end (the planner forgets the run in that pass, so
/// its reason has to be in that pass's view). A live run's is read in the background, at most every
/// <see cref="LiveRereadInterval"/>, and a pass takes the last reading: in an open gap at 1,000 identities dozens of
/// runs are between their start and the node's request at any time, and their tails, read from disks busy with
/// proofs, held passes for hundreds of milliseconds. Diagnose is called by the loop only; reads finish on any thread.
/// </summary>
public sealed class ServiceLogReader(IServiceRuntime runtime, TimeProvider time) : IDisposable
{
    private const int TailLines = 40;

    /// <summary>A reason in a live run's log (it cannot reach the node: retried every few seconds) is this late at most, and a pass.</summary>
    public static readonly TimeSpan LiveRereadInterval = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stopped = new();
    private Dictionary<string, Reading> _readings = new(StringComparer.Ordinal);

    public void Dispose()
    {
        _stopped.Cancel();
        _stopped.Dispose();
    }

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
        var now = time.GetUtcNow();
        var readings = new Dictionary<string, Reading>(suspects.Count, StringComparer.Ordinal);
        foreach (var run in suspects)
        {
            var before = _readings.GetValueOrDefault(run.InstanceId);
            readings[run.InstanceId] = Due(before, run, now) ? new Reading(now, !run.Running, ReadAsync(run, inPass: !run.Running, _stopped.Token), before?.Latest) : before!;
        }

        _readings = readings;

        // Ended runs' final logs are this pass's (read once each); live runs' readings are taken as they are.
        await Task.WhenAll(suspects.Where(r => !r.Running).Select(r => readings[r.InstanceId].Read)).WaitAsync(cancellationToken);
        var found = new Dictionary<string, ServiceProblem>(StringComparer.Ordinal);
        foreach (var run in suspects)
        {
            if (readings[run.InstanceId].Latest is { } problem)
            {
                found[run.ServiceName] = problem;
            }
        }

        return found;
    }

    /// <summary>A first sight, a run seen ended since its last reading (its final log), or a live run's due reread.</summary>
    private static bool Due(Reading? before, RuntimeInstance run, DateTimeOffset now) =>
        before is null
        || (!before.Ended && (!run.Running || (before.Read.IsCompleted && Intervals.HavePassed(LiveRereadInterval, before.At, now))));

    /// <param name="inPass">
    /// An ended run's final tail, which this pass waits for: read where the pass runs (a local log is a read of the
    /// page cache; through the pool's queue it waited behind the dashboards' requests, 13-20 ms at p99 at 1,000
    /// identities). A live run's periodic reread is not waited for and goes to the thread pool (Task.Yield would come
    /// back to the loop's own thread).
    /// </param>
    private async Task<ServiceProblem?> ReadAsync(RuntimeInstance run, bool inPass, CancellationToken cancellationToken)
    {
        if (!inPass)
        {
            await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        }

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

    /// <summary>One read of a run's tail: started at <see cref="At"/>; until it completes, the reading before it stands.</summary>
    private sealed record Reading(DateTimeOffset At, bool Ended, Task<ServiceProblem?> Read, ServiceProblem? Before)
    {
        public ServiceProblem? Latest => Read.IsCompletedSuccessfully ? Read.Result : Before;
    }

    internal static bool NeedsLook(RuntimeInstance run, ServiceStatus? status) =>
        run.Running ? status is not (ServiceStatus.Proving or ServiceStatus.DoneProving) : run.ExitCode is not (null or 0);
}
