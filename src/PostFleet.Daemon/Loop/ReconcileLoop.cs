using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Runs;
using PostFleet.Core.Timeline;
using PostFleet.Storage;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// The level-triggered reconcile loop, one worker: observe everything into one snapshot, let the pure planner
/// decide, record the decision and its reasons, act idempotently, then wait for the next trigger (a node event,
/// a user intent) or the planner's requeue time. A failed pass backs off; it never ends the loop. Every pass has an
/// id, unique in the history file (it goes on from the history's last one): it is in the logging scope of the pass,
/// on the history rows the pass writes, and in its report (the view's and the event stream's pass).
/// The loop owns the history's writer (FleetHistory is not thread-safe): everything it and its listeners record is
/// queued on it and flushed here, on this one worker; web requests read through the history's own readers.
/// </summary>
public sealed class ReconcileLoop
{
    private static readonly TimeSpan PassTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxPassBackoff = TimeSpan.FromSeconds(30);

    private readonly Func<FleetSpec> _spec;
    private readonly FleetObserver _observer;
    private readonly ActionExecutor _executor;
    private readonly FleetHistory _history;
    private readonly FleetIntents _intents;
    private readonly IReadOnlyList<IPassListener> _listeners;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PassTrigger _trigger;
    private readonly LearnedEstimates _estimates;
    private readonly DecisionRecorder _decisions = new();
    private PlannerMemory _memory;
    private RunLedger _runs = RunLedger.Empty;
    private long _lastPassId;
    private HistoryHealth? _historyFaultLogged;

    public ReconcileLoop(Func<FleetSpec> spec, FleetObserver observer, ActionExecutor executor, FleetHistory history, FleetIntents intents, IReadOnlyList<IPassListener> listeners, PassTrigger trigger, TimeProvider time, ILogger logger)
    {
        _spec = spec;
        _observer = observer;
        _executor = executor;
        _history = history;
        _intents = intents;
        _listeners = listeners;
        _time = time;
        _logger = logger;
        _trigger = trigger;
        _estimates = new LearnedEstimates(history, logger);
        _memory = _estimates.InitialMemory();
        _lastPassId = history.LastPass();
    }

    /// <summary>Passes run by this loop (the pass id goes on from the history's last one).</summary>
    public long Passes { get; private set; }

    /// <summary>Where the last pass's time went (`postfleet bench daemon` reads it).</summary>
    public PassStages? LastStages { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            var passId = ++_lastPassId;
            using (_logger.BeginScope(new PassScope(passId)))
            {
                try
                {
                    wait = await PassAsync(passId, cancellationToken);
                    failures = 0;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    failures++;
                    wait = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks << Math.Min(failures, 5), MaxPassBackoff.Ticks));
                    _logger.LogError(ex, "reconcile pass failed ({Failures} in a row); next try in {Wait}", failures, wait);
                }
            }

            await _trigger.WaitAsync(wait, cancellationToken);
        }
    }

    private async Task<TimeSpan> PassAsync(long passId, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var stages = new PassStages.Timer(clock);
        var gcPaused = GC.GetTotalPauseDuration();
        var fleet = _spec();
        using var passTimeout = new CancellationTokenSource(PassTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, passTimeout.Token);

        // Before the runtime's list: a start that finishes in between is in that list or still under way, never neither.
        var startsUnderWay = _executor.StartsUnderWay();
        var observation = await _observer.ObserveAsync(fleet, linked.Token);
        var observe = stages.Lap();
        var snapshot = SnapshotBuilder.Build(fleet, observation, _intents.Current, startsUnderWay);
        var plan = Planner.Decide(fleet, snapshot, _memory, observation.At);
        var before = _memory;
        _memory = plan.Next;
        _estimates.Observe(fleet, before, plan.Next, observation.At, plan.Estimates);
        var decide = stages.Lap();

        _history.CurrentPass = passId;
        var firstSeen = Record(observation, plan);
        RecordNodeRestart(observation, before.NodeRestart, plan.Next.NodeRestart);
        var record = stages.Lap();
        var outcomes = await _executor.ExecuteAsync(fleet, plan.Actions, observation.Runs, linked.Token);
        foreach (var outcome in outcomes)
        {
            _history.RecordAction(observation.At, outcome.Service, outcome.Action.GetType().Name, ActionReason(outcome.Action), outcome.Detail);
        }

        var act = stages.Lap();

        // One transaction for what the pass decided and did, written before the listeners so the view they
        // publish shows whether the file took it; what the listeners record (the run journal) follows in a second.
        FlushHistory();
        var flush = stages.Lap();
        Passes++;
        _runs = _runs.Fold(RunPassBuilder.Of(fleet, observation, before, plan, outcomes));
        var fold = stages.Lap();
        var ownStages = new PassStages(observe, decide, act, record + flush, fold, [], clock.Elapsed) { ObserveParts = observation.Took, GcPause = GC.GetTotalPauseDuration() - gcPaused };
        var pass = new PassReport(passId, fleet, observation, plan, outcomes, clock.Elapsed) { Runs = _runs, FirstSeenEvents = firstSeen, Stages = ownStages, StartsUnderWay = startsUnderWay };
        var listeners = new (string, TimeSpan)[_listeners.Count];
        for (var i = 0; i < _listeners.Count; i++)
        {
            _listeners[i].OnPass(pass);
            listeners[i] = (_listeners[i].GetType().Name, stages.Lap());
        }

        FlushHistory();

        // The next pass's node states are read while the loop waits for it, not while that pass waits.
        _observer.ReadAhead(observation.Runs.Any(r => r.Running) || plan.Actions.Any());
        LastStages = ownStages with { HistoryWrite = record + flush + stages.Lap(), Listeners = listeners, Total = clock.Elapsed };
        return plan.RequeueAfter;
    }

    /// <summary>Queues the pass's decisions, node events and deliveries; returns the node events not recorded before.</summary>
    private List<NodeEvent> Record(FleetObservation observation, Plan plan)
    {
        foreach (var decision in plan.Decisions.Where(d => _decisions.ShouldStore(d, observation.At)))
        {
            _history.RecordDecision(observation.At, decision.ServiceName, decision.Code.ToString(), decision.Reason);
        }

        // Made for the first delivery of the pass only: most passes have none (1,000 entries each time).
        Dictionary<NodeId, string>? byId = null;
        var firstSeen = new List<NodeEvent>();
        foreach (var e in observation.Events)
        {
            var smesher = Smesher(e);

            // A restarted daemon is replayed what an earlier one recorded: the planner needs it, the history has it.
            if (!_history.RecordNodeEvent(e.Time, e.GetType().Name, smesher?.Hex, e.ToString()))
            {
                continue;
            }

            firstSeen.Add(e);
            if (e is NodeEvent.PostCompleted completed && (byId ??= observation.Identities.Values.ToDictionary(i => i.Id, i => i.Name)).TryGetValue(completed.Smesher, out var name) && observation.ClockOf(name) is { } clock && !IsInitialPost(completed.ChallengeHex))
            {
                _history.RecordDelivery(e.Time, name, clock.EpochAt(e.Time), completed.ChallengeHex);
            }
        }

        return firstSeen;
    }

    /// <summary>
    /// Writes the queued history rows; a file that takes no writes is logged once, not a failed pass. The fault is
    /// compared with the one this loop last logged, not with the state before its own flush: a read (estimates,
    /// the API's history) flushes too, and when that is the write that succeeds the recovery must still be said.
    /// </summary>
    private void FlushHistory()
    {
        _history.Flush();
        var health = _history.Health;
        if (health.Faulted && _historyFaultLogged is null)
        {
            _logger.LogError("history: writes fail, proving goes on and rows are kept in memory until the file takes them: {Fault}", health.Fault);
            _historyFaultLogged = health;
        }
        else if (!health.Faulted && _historyFaultLogged is { } fault)
        {
            _logger.LogWarning("history: writes work again since {Since:u} ({Lost} rows lost in all)", fault.FaultSince, health.RowsLost);
            _historyFaultLogged = null;
        }
    }

    /// <summary>A node restart the planner rides out goes to daemon_events when it is first seen and when it ends.</summary>
    private void RecordNodeRestart(FleetObservation observation, NodeRestart? before, NodeRestart? now)
    {
        if (before is null && now is not null)
        {
            _history.RecordDaemonEvent(observation.At, "node-restarted", now.Describe());
            _logger.LogWarning("{Restart}", now.Describe());
        }
        else if (before is not null && now is null)
        {
            var asking = observation.Identities.Values.Count(i => i.State == NodePostState.Proving);
            var since = before.Since.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var detail = asking > 0
                ? $"the node asks for proofs again ({asking} identities PROVING) after its restart at {since}; the {before.Kept} kept proofs go on"
                : $"no proof kept any more after the node restart at {since}";
            _history.RecordDaemonEvent(observation.At, "node-resumed", detail);
            _logger.LogInformation("{Detail}", detail);
        }
    }

    private static bool IsInitialPost(string challengeHex) => challengeHex.All(c => c == '0');

    private static NodeId? Smesher(NodeEvent e) => e switch
    {
        NodeEvent.PostStarted x => x.Smesher,
        NodeEvent.PostCompleted x => x.Smesher,
        NodeEvent.PostFailed x => x.Smesher,
        NodeEvent.PoetWaitRound x => x.Smesher,
        NodeEvent.PoetWaitProof x => x.Smesher,
        NodeEvent.AtxPublished x => x.Smesher,
        _ => null,
    };

    private static string ActionReason(PlannedAction action) => action switch
    {
        PlannedAction.StopService stop => stop.Reason.ToString() + (stop.Force ? " (forced)" : ""),
        _ => "",
    };
}

/// <summary>What one pass saw, decided and did: for the console, the API and metrics.</summary>
public sealed record PassReport(long Number, FleetSpec Fleet, FleetObservation Observation, Plan Plan, IReadOnlyList<ActionOutcome> Outcomes, TimeSpan Duration)
{
    /// <summary>The runs and their phases after this pass (drawn from the planner's memory in <see cref="Plan.Next"/>).</summary>
    public RunLedger Runs { get; init; } = RunLedger.Empty;

    /// <summary>
    /// The pass's node events the history had not recorded before (what a console says happened): a restarted
    /// daemon's first passes get the node's replay of events an earlier daemon already reported.
    /// </summary>
    public IReadOnlyList<NodeEvent> FirstSeenEvents { get; init; } = [];

    /// <summary>Starts the runtime had not finished when it listed its runs (<see cref="ActionExecutor.StartsUnderWay"/>): stand-ins the view shows as starting.</summary>
    public IReadOnlyList<RuntimeInstance> StartsUnderWay { get; init; } = [];

    /// <summary>Where <see cref="Duration"/> went (no listeners: they run after the report is made).</summary>
    public PassStages? Stages { get; init; }

    public NetworkTimeline? Timeline => Observation.Clock is { } clock ? new NetworkTimeline(clock, Fleet.Node.Poet) : null;

    /// <summary>The timeline of the node named <paramref name="node"/> (its clock and PoET timings); several nodes have their own.</summary>
    public NetworkTimeline? TimelineOf(string node) =>
        Observation.Nodes.FirstOrDefault(n => n.Name == node) is { } seen
            ? seen.Clock is { } clock ? new NetworkTimeline(clock, Fleet.NodeNamed(node).Poet) : null
            : Timeline;
}

/// <summary>The logging scope of one pass: every line logged during it says "pass N".</summary>
internal sealed record PassScope(long Pass)
{
    public override string ToString() => "pass " + Pass.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public interface IPassListener
{
    void OnPass(PassReport pass);
}
