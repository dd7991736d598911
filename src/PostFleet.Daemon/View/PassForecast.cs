using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.Loop;

namespace PostFleet.Daemon.View;

/// <summary>
/// What one pass predicts: the estimates the planner knows and the gap's schedule with them. <see cref="Gap"/> is
/// the open (else the next) gap the forecast shows; <see cref="Proving"/> the gap whose proofs are due now, which
/// outlives its closing until its proof deadline, so finish estimates place waiting services on it.
/// </summary>
internal sealed record PassForecast(ProvingEstimates Known, HardwareAssumptions Hardware, ProvingForecast Forecast, CycleGapWindow? Gap, CycleGapWindow? Proving)
{
    /// <summary>
    /// The gap's schedule depends only on the fleet, the estimates and the gap's length, none of which changes from
    /// one pass to the next but when something is learned or the config reloads: at 1,000 identities it is most of
    /// a pass's cost, so it is computed again only then (kept on the loop's one listener thread). In an open gap
    /// every pass learns a little (each live read's rate, each k2pow that ends), so estimates that all stay within
    /// <see cref="Drift"/> of those the schedule was drawn with keep it: it would move by less than that (the same
    /// tolerance as the finish estimates sent to dashboards, <c>FleetChanges</c>); beyond it, the schedule is drawn
    /// again in the background at most every <see cref="RedrawEvery"/>, and the passes meanwhile show the last one. A
    /// real run at 1,000 identities spent 1.9 s of CPU a pass drawing it again on every pass, and, drawn every 10 s in
    /// the background, still a quarter of a core in the open gap.
    /// </summary>
    internal sealed class Cache
    {
        /// <summary>At most one redraw for moved estimates this often (the view's other figures are live).</summary>
        internal static readonly TimeSpan RedrawEvery = TimeSpan.FromSeconds(30);

        private (FleetSpec Fleet, ProvingEstimates Known, TimeSpan? Span, ProvingForecast Forecast, DateTimeOffset At)? _last;
        private Task<(FleetSpec Fleet, ProvingEstimates Known, TimeSpan? Span, ProvingForecast Forecast, DateTimeOffset At)>? _redraw;

        public PassForecast Of(PassReport pass)
        {
            var known = pass.Plan.Estimates ?? ProvingEstimates.Combine(pass.Fleet, pass.Plan.Next.Services, pass.Plan.Next.Prior);
            var hardware = HardwareAssumptions.Default;
            var now = pass.Observation.At;
            var gap = pass.Timeline?.CurrentOrNextCycleGap(now);

            // The planner's order needs the deadline: from the gap's opening to the end of its publish epoch.
            TimeSpan? span = gap is { } g ? g.ProofDeadline - g.Opens : null;
            if (_redraw is { IsCompletedSuccessfully: true } done && ReferenceEquals(done.Result.Fleet, pass.Fleet) && done.Result.Span == span)
            {
                _last = done.Result;
            }

            if (_redraw is { IsCompleted: true } ended)
            {
                _redraw = null;

                // A drawing that failed fails the pass, as one drawn on the loop would have.
                ended.GetAwaiter().GetResult();
            }

            if (_last is not { } last || !ReferenceEquals(last.Fleet, pass.Fleet) || last.Span != span)
            {
                // A new fleet or gap: this pass's view must show it.
                _redraw = null;
                last = (pass.Fleet, known, span, ProvingForecast.Of(pass.Fleet, hardware, known, span), now);
                _last = last;
            }
            else if (_redraw is null && now - last.At >= RedrawEvery && !Same(last.Known, known))
            {
                // Moved estimates: drawn off the loop (a pure function of its inputs) and taken by a later pass; at
                // 1,000 identities a drawing costs more than a pass may take. Compared only when a redraw may start:
                // comparing every estimate was a tenth of the view's time on every pass.
                var fleet = pass.Fleet;
                _redraw = Task.Run(() => (fleet, known, span, ProvingForecast.Of(fleet, hardware, known, span), now));
            }

            return new PassForecast(known, hardware, last.Forecast, gap, pass.Timeline?.ProvingCycleGap(now));
        }

        /// <summary>How far an estimate may move before the schedule is drawn again: 2% of it.</summary>
        internal const double Drift = 0.02;

        private static bool Same(ProvingEstimates a, ProvingEstimates b) =>
            Same(a.K2Pow, b.K2Pow, k => k.TotalSeconds, Drift) && Same(a.DiskReadRate, b.DiskReadRate, r => r, Drift)
            && Same(a.TwoReaderPenalty, b.TwoReaderPenalty, p => 1 + p, Drift) && Same(a.Startup, b.Startup, s => s, Drift);

        /// <summary>The same keys, each value within <paramref name="drift"/> of the other (relative).</summary>
        internal static bool Same<T>(IReadOnlyDictionary<string, T> a, IReadOnlyDictionary<string, T> b, Func<T, double> value, double drift) =>
            a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && Math.Abs(value(v) - value(p.Value)) <= drift * Math.Abs(value(p.Value)));
    }
}
