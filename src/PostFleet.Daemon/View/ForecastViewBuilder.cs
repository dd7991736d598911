using PostFleet.Core.Forecast;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.View;

/// <summary>Turns the core's forecast into the API's, placed on the gap's real times when the clock is known.</summary>
internal static class ForecastViewBuilder
{
    /// <param name="rows">The rows of this forecast on this gap when already made (<see cref="ForecastRows"/>), else made here.</param>
    public static ForecastView Build(ProvingForecast forecast, HardwareAssumptions hardware, CycleGapWindow? gap, DateTimeOffset now, IReadOnlyList<ForecastRowView>? rows = null) =>
        new(
            now,
            gap is null ? null : new ForecastGapView(gap.PublishEpoch, gap.Opens, gap.Closes, gap.ProofDeadline, gap.IsOpen(now)),
            forecast.Window.TotalSeconds,
            Deadline(gap),
            forecast.Makespan,
            forecast.CpuBusySeconds,
            forecast.PowSlots,
            rows ?? Rows(forecast, gap),
            forecast.Warnings,
            new ForecastAssumptionsView(hardware.DefaultDiskMibPerSecond, hardware.K2PowHashRate));

    /// <summary>The forecast's rows placed on the gap: they follow from the two alone, not from the time of the pass.</summary>
    public static IReadOnlyList<ForecastRowView> Rows(ProvingForecast forecast, CycleGapWindow? gap)
    {
        var window = forecast.Window.TotalSeconds;
        var deadline = Deadline(gap);
        DateTimeOffset? At(double seconds) => gap?.Opens.AddSeconds(seconds);
        return [.. forecast.Rows.Select(r => new ForecastRowView(
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
        })];
    }

    private static double? Deadline(CycleGapWindow? gap) => gap is null ? null : (gap.ProofDeadline - gap.Opens).TotalSeconds;
}

/// <summary>
/// The last forecast's rows on the last gap, made again only when either changes: the forecast is drawn again only
/// when the estimates move (<see cref="PassForecast.Cache"/>), and at 1,000 identities making its thousand rows on
/// every pass was a tenth of the view's allocations. Kept on the loop's one listener thread.
/// </summary>
internal sealed class ForecastRows
{
    private (ProvingForecast Forecast, CycleGapWindow? Gap, IReadOnlyList<ForecastRowView> Rows)? _last;

    public IReadOnlyList<ForecastRowView> For(ProvingForecast forecast, CycleGapWindow? gap)
    {
        if (_last is not { } last || !ReferenceEquals(last.Forecast, forecast) || last.Gap != gap)
        {
            last = (forecast, gap, ForecastViewBuilder.Rows(forecast, gap));
            _last = last;
        }

        return last.Rows;
    }
}
