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
    /// a pass's cost, so it is computed again only then (kept on the loop's one listener thread).
    /// </summary>
    internal sealed class Cache
    {
        private (FleetSpec Fleet, ProvingEstimates Known, TimeSpan? Span, ProvingForecast Forecast)? _last;

        public PassForecast Of(PassReport pass)
        {
            var known = ProvingEstimates.Combine(pass.Fleet, pass.Plan.Next.Services, pass.Plan.Next.Prior);
            var hardware = HardwareAssumptions.Default;
            var now = pass.Observation.At;
            var gap = pass.Timeline?.CurrentOrNextCycleGap(now);

            // The planner's order needs the deadline: from the gap's opening to the end of its publish epoch.
            TimeSpan? span = gap is { } g ? g.ProofDeadline - g.Opens : null;
            if (_last is not { } last || !ReferenceEquals(last.Fleet, pass.Fleet) || last.Span != span || !Same(last.Known, known))
            {
                last = (pass.Fleet, known, span, ProvingForecast.Of(pass.Fleet, hardware, known, span));
                _last = last;
            }

            return new PassForecast(known, hardware, last.Forecast, gap, pass.Timeline?.ProvingCycleGap(now));
        }

        private static bool Same(ProvingEstimates a, ProvingEstimates b) =>
            Same(a.K2Pow, b.K2Pow) && Same(a.DiskReadRate, b.DiskReadRate) && Same(a.TwoReaderPenalty, b.TwoReaderPenalty);

        private static bool Same<T>(IReadOnlyDictionary<string, T> a, IReadOnlyDictionary<string, T> b)
            where T : IEquatable<T> =>
            a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v.Equals(p.Value));
    }
}
