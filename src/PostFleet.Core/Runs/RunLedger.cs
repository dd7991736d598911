using System.Collections.Immutable;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Core.Runs;

/// <summary>What one pass saw of the runs, with the planner's memory before and after it.</summary>
/// <param name="Events">The node's events of the pass, by the service whose identity they name.</param>
/// <param name="StopsAsked">Runs (instance ids) the pass asked to stop.</param>
/// <param name="DataBytes">Bytes of PoST data per service (a full read).</param>
public sealed record RunPass(
    DateTimeOffset At,
    IReadOnlyList<RuntimeInstance> Runs,
    IReadOnlyDictionary<string, ServiceStatus> Statuses,
    IReadOnlyList<(string Service, NodeEvent Event)> Events,
    IReadOnlySet<string> StopsAsked,
    PlannerMemory Before,
    PlannerMemory After,
    IReadOnlyDictionary<string, ulong> DataBytes,
    NetworkClock? Clock);

/// <summary>What the runs of one service say about its proofs, for the view and the metrics.</summary>
/// <param name="Failed">The node reported a failed proof and has not started or completed one since.</param>
/// <param name="LastProofSeconds">The last delivered proof's run start to the node's postComplete.</param>
public sealed record ServiceRunFacts(bool Failed, DateTimeOffset? LastDeliveredAt, double? LastProofSeconds)
{
    public static readonly ServiceRunFacts None = new(false, null, null);
}

/// <summary>
/// The one model of runs and their phases, folded once per pass from what the pass saw and the planner's memory
/// (pure; <c>now</c> is the pass's time). The run journal writes what changed, the view and the metrics read the
/// live runs and per-service facts, and the API serves the journal: nothing else follows runs across passes.
/// </summary>
public sealed record RunLedger(
    ImmutableDictionary<string, RunRecord> Live,
    ImmutableDictionary<string, ServiceRunFacts> Services,
    ImmutableHashSet<string> Finished)
{
    public static readonly RunLedger Empty = new(
        ImmutableDictionary<string, RunRecord>.Empty,
        ImmutableDictionary<string, ServiceRunFacts>.Empty,
        ImmutableHashSet<string>.Empty);

    /// <summary>The runs the last fold started, changed or ended, in the order seen.</summary>
    public ImmutableList<RunRecord> Changed { get; init; } = [];

    public ServiceRunFacts For(string service) => Services.GetValueOrDefault(service) ?? ServiceRunFacts.None;

    /// <summary>The service's live run as the ledger knows it; null when none.</summary>
    public RunRecord? LiveRun(string service) => Live.Values.Where(r => r.Service == service).MaxBy(r => r.StartedAt);

    public RunLedger Fold(RunPass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var live = Live.ToBuilder();
        var facts = Services.ToBuilder();
        var finished = ImmutableHashSet.CreateBuilder<string>();
        var changed = ImmutableList.CreateBuilder<RunRecord>();
        var delivered = pass.Events.Where(e => e.Event is NodeEvent.PostCompleted).ToLookup(e => e.Service, e => (NodeEvent.PostCompleted)e.Event);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        var listedKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in pass.Runs)
        {
            var key = Key(instance.ServiceName, instance.InstanceId);
            listed.Add(instance.ServiceName);
            listedKeys.Add(key);
            if (Finished.Contains(key))
            {
                finished.Add(key); // still listed, already written as ended
                continue;
            }

            var known = live.GetValueOrDefault(key);
            var run = known ?? new RunRecord(instance.ServiceName, instance.InstanceId, instance.StartedAt, pass.Clock?.EpochAt(instance.StartedAt));
            if (!run.StopAsked && pass.StopsAsked.Contains(instance.InstanceId))
            {
                run = run with { StopAsked = true };
            }

            if (instance.Running)
            {
                var service = instance.ServiceName;
                run = RunPhases.Fold(run, pass.Statuses.GetValueOrDefault(service), pass.Before.For(service), pass.After.For(service), pass.DataBytes.GetValueOrDefault(service), pass.At);
                if (run.DeliveredAt is null && delivered[service].LastOrDefault() is { } done)
                {
                    run = run with { DeliveredAt = done.Time, Challenge = done.ChallengeHex };
                }

                live[key] = run;
            }
            else
            {
                run = RunPhases.End(run, pass.At, instance.ExitCode);
                live.Remove(key);
                finished.Add(key);
            }

            if (known is null || run != known)
            {
                changed.Add(run);
            }
        }

        // A live run the runtime no longer lists, while its service has another: replaced unseen, nothing to add.
        foreach (var gone in live.Where(p => listed.Contains(p.Value.Service) && !listedKeys.Contains(p.Key)).Select(p => p.Key).ToList())
        {
            live.Remove(gone);
        }

        foreach (var (service, e) in pass.Events)
        {
            var f = facts.GetValueOrDefault(service) ?? ServiceRunFacts.None;
            facts[service] = e switch
            {
                NodeEvent.PostStarted => f with { Failed = false },
                NodeEvent.PostFailed => f with { Failed = true },
                NodeEvent.PostCompleted c => f with
                {
                    Failed = false,
                    LastDeliveredAt = c.Time,
                    LastProofSeconds = LatestStart(pass.Runs, service) is { } started && c.Time >= started ? (c.Time - started).TotalSeconds : null,
                },
                _ => f,
            };
        }

        return new RunLedger(live.ToImmutable(), facts.ToImmutable(), finished.ToImmutable()) { Changed = changed.ToImmutable() };
    }

    private static DateTimeOffset? LatestStart(IReadOnlyList<RuntimeInstance> runs, string service) =>
        runs.Where(r => r.ServiceName == service).Select(r => (DateTimeOffset?)r.StartedAt).Max();

    private static string Key(string service, string instanceId) => service + "\n" + instanceId;
}
