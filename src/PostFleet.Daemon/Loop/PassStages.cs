using System.Diagnostics;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Where one pass's wall time went: observing, deciding (snapshot, planner, learned estimates), acting, writing the
/// history (queueing and both flushes), folding the run ledger, and each listener (the view, the journal, ...).
/// </summary>
public sealed record PassStages(
    TimeSpan Observe,
    TimeSpan Decide,
    TimeSpan Act,
    TimeSpan HistoryWrite,
    TimeSpan RunLedger,
    IReadOnlyList<(string Listener, TimeSpan Took)> Listeners,
    TimeSpan Total)
{
    /// <summary>The observation's own parts (<see cref="FleetObservation.Took"/>): runtime list, the nodes' answers, log tails.</summary>
    public (TimeSpan Runtime, TimeSpan Nodes, TimeSpan Logs) ObserveParts { get; init; }

    /// <summary>
    /// How long the runtime held every thread for garbage collection while the pass ran (part of the stages above,
    /// not one of its own): a pass slow only under load is then told apart from one the collector stopped.
    /// </summary>
    public TimeSpan GcPause { get; init; }

    /// <summary>The loop's own stages by name (what `postfleet_reconcile_pass_stage_seconds` labels them).</summary>
    public IEnumerable<(string Stage, TimeSpan Took)> Own()
    {
        yield return ("observe", Observe);
        yield return ("observe-runtime", ObserveParts.Runtime);
        yield return ("observe-nodes", ObserveParts.Nodes);
        yield return ("observe-logs", ObserveParts.Logs);
        yield return ("decide", Decide);
        yield return ("act", Act);
        yield return ("history", HistoryWrite);
        yield return ("run-ledger", RunLedger);
        yield return ("gc-pause", GcPause);
    }

    /// <summary>Laps of one stopwatch: each call returns the time since the previous one.</summary>
    internal sealed class Timer(Stopwatch clock)
    {
        private TimeSpan _last;

        public TimeSpan Lap()
        {
            var now = clock.Elapsed;
            var lap = now - _last;
            _last = now;
            return lap;
        }
    }
}
