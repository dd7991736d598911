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
    public static PassForecast Of(PassReport pass)
    {
        var known = ProvingEstimates.Combine(pass.Fleet, pass.Plan.Next.Services, pass.Plan.Next.Prior);
        var hardware = HardwareAssumptions.Default;
        var now = pass.Observation.At;
        var gap = pass.Timeline?.CurrentOrNextCycleGap(now);
        // The planner's order needs the deadline: from the gap's opening to the end of its publish epoch.
        return new PassForecast(known, hardware, ProvingForecast.Of(pass.Fleet, hardware, known, gap is { } g ? g.ProofDeadline - g.Opens : null),
            gap, pass.Timeline?.ProvingCycleGap(now));
    }
}
