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
