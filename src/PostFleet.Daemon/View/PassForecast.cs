using PostFleet.Core.Forecast;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.Loop;

namespace PostFleet.Daemon.View;

/// <summary>What one pass predicts: the estimates the planner knows, the gap's schedule with them, and the gap.</summary>
internal sealed record PassForecast(ProvingEstimates Known, HardwareAssumptions Hardware, ProvingForecast Forecast, CycleGapWindow? Gap)
{
    public static PassForecast Of(PassReport pass)
    {
        var known = ProvingEstimates.Combine(pass.Fleet, pass.Plan.Next.Services, pass.Plan.Next.Prior);
        var hardware = HardwareAssumptions.Default;
        return new PassForecast(known, hardware, ProvingForecast.Of(pass.Fleet, hardware, known), pass.Timeline?.CurrentOrNextCycleGap(pass.Observation.At));
    }
}
