namespace PostFleet.Daemon.View;

/// <summary>The daemon as the web API sees it: the latest view, a signal on every pass, and user intents.</summary>
public interface IFleetControl
{
    FleetView? Current { get; }

    /// <summary>The predicted schedule of the cycle gap with the loop's learned estimates, as of the last pass.</summary>
    ForecastView? Forecast { get; }

    /// <summary>
    /// The last <paramref name="lines"/> lines of the service's latest run, read through its runtime (a live pod's
    /// log is on its node, not in a local file); null when the service has no run with a log.
    /// </summary>
    Task<IReadOnlyList<string>?> ReadLogAsync(ServiceView service, int lines, CancellationToken cancellationToken);

    /// <summary>Raised after every reconcile pass with the new view.</summary>
    event Action<FleetView>? Updated;

    /// <summary>Recent decisions, actions and deliveries for one service (or all), newest first.</summary>
    IReadOnlyList<HistoryEntryView> History(string? service, int limit);

    /// <summary>The service's runs, newest first, with their phases (the run journal and the live runs); null before the first pass.</summary>
    RunsView? Runs(string service, int limit);

    /// <summary>
    /// Applies a user intent: pause, resume, prove-now, stop, force-stop, retry, skip-epoch. Returns an error
    /// message (for a 4xx) or null when accepted. Intents change desired state; the loop carries them out.
    /// </summary>
    string? Apply(string intent, string? service);
}

public sealed record HistoryEntryView(DateTimeOffset At, string Service, string Kind, string What, string Detail);
