using System.Collections.Immutable;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Daemon.Loop;
using PostFleet.Storage;

namespace PostFleet.Daemon.View;

/// <summary>
/// The daemon as the web API sees it: keeps the view of the last pass, serves history, and turns user intents into
/// desired state (never into runtime calls; the loop carries them out on its next pass, which they trigger).
/// <see cref="OnPass"/> runs on the loop and may use the history's writer; <see cref="History"/> runs on web
/// request threads and reads only through the history's readers (own connections).
/// </summary>
public sealed class FleetControl(FleetIntents intents, FleetHistory history, IServiceRuntime runtime) : IFleetControl, IPassListener
{
    public static readonly IReadOnlyList<string> Intents = ["pause", "resume", "prove-now", "stop", "force-stop", "retry", "skip-epoch"];

    private volatile FleetView? _current;
    private volatile ForecastView? _forecast;
    private volatile PassReport? _pass;
    private readonly PassForecast.Cache _forecasts = new();
    private readonly ForecastRows _forecastRows = new();

    public FleetView? Current => _current;

    public ForecastView? Forecast => _forecast;

    public async Task<IReadOnlyList<string>?> ReadLogAsync(ServiceView service, int lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.InstanceId is null)
        {
            return null;
        }

        var run = new RuntimeInstance(service.Name, service.InstanceId, service.RunningSince ?? DateTimeOffset.MinValue, service.RunningSince is not null, null, service.LogPath);
        var tail = await runtime.ReadLogTailAsync(run, lines, cancellationToken);
        return tail.Count > 0 || (service.LogPath is not null && File.Exists(service.LogPath)) ? tail : null;
    }

    public event Action<FleetView>? Updated;

    /// <summary>Called with each new view and the pass duration (metrics).</summary>
    public Action<FleetView, PassReport>? PassObserved { get; set; }

    public void OnPass(PassReport pass)
    {
        var forecast = _forecasts.Of(pass);
        var built = FleetViewBuilder.Build(pass, intents.Current.FleetPaused, history.LastDeliveredEpochs(), forecast);
        var view = built with { History = HistoryView.Of(history.Reader.Path, history.Health) };
        _forecast = ForecastViewBuilder.Build(forecast.Forecast, forecast.Hardware, forecast.Gap, pass.Observation.At, _forecastRows.For(forecast.Forecast, forecast.Gap));
        _current = view;
        _pass = pass;
        PassObserved?.Invoke(view, pass);
        Updated?.Invoke(view);
    }

    public IReadOnlyList<HistoryEntryView> History(string? service, int limit)
    {
        return history.Reader.Read(h => h.Decisions(service, limit).Select(r => new HistoryEntryView(r.At, r.Service, "decision", r.What, r.Detail))
            .Concat(h.Actions(service, limit).Select(r => new HistoryEntryView(r.At, r.Service, "action", r.What, r.Detail)))
            .Concat(h.Deliveries(service, limit).Select(r => new HistoryEntryView(r.At, r.Service, "delivery", r.What, r.Detail)))
            .OrderByDescending(e => e.At)
            .Take(limit)
            .ToList());
    }

    public RunsView? Runs(string service, int limit)
    {
        if (_pass is not { } pass)
        {
            return null;
        }

        return history.Reader.Read(h =>
        {
            var rows = h.Runs(service, limit);
            return RunsViewBuilder.Build(service, pass.Observation.At, rows, h.RunPhases(service, [.. rows.Select(r => r.InstanceId)]), pass.Runs, limit);
        });
    }

    public string? Apply(string intent, string? service)
    {
        var view = _current;
        if (service is not null && view is not null && view.Services.All(s => s.Name != service))
        {
            return $"no service named '{service}' in the fleet";
        }

        switch (intent, service)
        {
            case ("pause", null):
                intents.Update(s => s with { FleetPaused = true });
                return null;
            case ("resume", null):
                intents.Update(s => s with { FleetPaused = false });
                return null;
            case ("pause" or "resume", _):
                intents.Update(s => s with { PerService = s.PerService with { Paused = intent == "pause" ? s.PerService.Paused.Add(service) : s.PerService.Paused.Remove(service) } });
                return null;
            case (_, null):
                return $"'{intent}' needs a service";
            case ("prove-now", _):
                intents.Update(s => s with { PerService = s.PerService with { ProveNow = s.PerService.ProveNow.Add(service) } });
                return null;
            case ("stop", _) when view?.Services.First(s => s.Name == service).NodeState == nameof(NodePostState.Proving).ToUpperInvariant():
                return $"the node is waiting for {service}'s proof (PROVING): a stop loses all its proving progress; use force-stop to stop it anyway";
            case ("stop" or "force-stop", _):
                intents.Update(s => s with { PerService = s.PerService with { ForcedStops = s.PerService.ForcedStops.Add(service) } });
                return null;
            case ("retry", _):
                intents.Update(s => s with
                {
                    PerService = s.PerService with
                    {
                        ForcedStops = s.PerService.ForcedStops.Remove(service),
                        SkipEpoch = s.PerService.SkipEpoch.Remove(service),
                        Paused = s.PerService.Paused.Remove(service),
                        ProveNow = s.PerService.ProveNow.Add(service),
                    },
                });
                return null;
            case ("skip-epoch", _):
                intents.Update(s => s with { PerService = s.PerService with { SkipEpoch = s.PerService.SkipEpoch.Add(service) } });
                return null;
            default:
                return $"unknown intent '{intent}'; valid: {string.Join(", ", Intents)}";
        }
    }
}
