using PostFleet.Core.Forecast;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.View;

/// <summary>Turns the core's forecast into the API's, placed on the gap's real times when the clock is known.</summary>
internal static class ForecastViewBuilder
{
    public static ForecastView Build(ProvingForecast forecast, HardwareAssumptions hardware, CycleGapWindow? gap, DateTimeOffset now)
    {
        var window = forecast.Window.TotalSeconds;
        double? deadline = gap is null ? null : (gap.ProofDeadline - gap.Opens).TotalSeconds;
        DateTimeOffset? At(double seconds) => gap?.Opens.AddSeconds(seconds);
        return new ForecastView(
            now,
            gap is null ? null : new ForecastGapView(gap.PublishEpoch, gap.Opens, gap.Closes, gap.ProofDeadline, gap.IsOpen(now)),
            window,
            deadline,
            forecast.Makespan,
            forecast.CpuBusySeconds,
            forecast.PowSlots,
            [.. forecast.Rows.Select(r => new ForecastRowView(
                r.Service.Name,
                r.Service.Disk,
                r.K2PowStart,
                r.ReadStart,
                r.End,
                r.Measured ? "measured" : "assumed",
                At(r.K2PowStart),
                At(r.ReadStart),
                At(r.End),
                PastWindow: r.End > window,
                PastDeadline: deadline is { } d && r.End > d)
            {
                Outlook = r.Outlook switch
                {
                    ProofOutlook.InGap => "in-gap",
                    ProofOutlook.BeforeDeadline => "before-deadline",
                    _ => "will-miss",
                },
            })],
            forecast.Warnings,
            new ForecastAssumptionsView(hardware.DefaultDiskMibPerSecond, hardware.K2PowHashRate));
    }
}
