using System.Collections.Concurrent;
using PostFleet.Daemon.View;
using PostFleet.Runtime;

namespace PostFleet.Daemon.Tests.Fakes;

/// <summary>Stands in for the reconcile loop: serves a view, lets a test change it and "run a pass", records intents.</summary>
public sealed class FakeFleetControl(FleetView? initial) : IFleetControl
{
    private readonly Lock _gate = new();
    private readonly List<(string Intent, string? Service)> _applied = [];

    public FleetView? Current { get; private set; } = initial;

    public ForecastView? Forecast { get; set; }

    /// <summary>The process runtime's way: the run's log file.</summary>
    public async Task<IReadOnlyList<string>?> ReadLogAsync(ServiceView service, int lines, CancellationToken cancellationToken) =>
        service.LogPath is { } path && File.Exists(path) ? await LogTail.ReadAsync(path, lines, cancellationToken) : null;

    public event Action<FleetView>? Updated;

    public List<HistoryEntryView> Entries { get; } = [];

    /// <summary>When set, Apply refuses with this message (the loop's 4xx reason).</summary>
    public string? Refusal { get; set; }

    public IReadOnlyList<(string Intent, string? Service)> Applied
    {
        get
        {
            lock (_gate)
            {
                return [.. _applied];
            }
        }
    }

    /// <summary>When set, history comes from here (a real FleetControl over a real file) instead of <see cref="Entries"/>.</summary>
    public Func<string?, int, IReadOnlyList<HistoryEntryView>>? HistorySource { get; set; }

    public IReadOnlyList<HistoryEntryView> History(string? service, int limit) => HistorySource?.Invoke(service, limit) ??
        [.. Entries.Where(e => service is null || e.Service == service).OrderByDescending(e => e.At).Take(limit)];

    /// <summary>The run journal served per service (none: no runs yet).</summary>
    public ConcurrentDictionary<string, RunsView> Journal { get; } = new(StringComparer.Ordinal);

    /// <summary>Requests for a run journal so far, by service.</summary>
    public ConcurrentDictionary<string, int> JournalRequests { get; } = new(StringComparer.Ordinal);

    public RunsView? Runs(string service, int limit)
    {
        JournalRequests.AddOrUpdate(service, 1, (_, n) => n + 1);
        return Current is not { } view ? null
            : Journal.TryGetValue(service, out var runs) ? runs with { Runs = [.. runs.Runs.Take(limit)] }
            : new RunsView(service, view.At, []);
    }

    public string? Apply(string intent, string? service)
    {
        lock (_gate)
        {
            _applied.Add((intent, service));
        }

        return Refusal;
    }

    /// <summary>Changes one service, bumps the pass and raises Updated, as a real pass would.</summary>
    public FleetView Change(string service, Func<ServiceView, ServiceView> change)
    {
        var view = DemoFleet.With(Current!, service, change);
        return Publish(view with { Pass = view.Pass + 1, At = DateTimeOffset.UtcNow });
    }

    public FleetView Publish(FleetView view)
    {
        Current = view;
        Updated?.Invoke(view);
        return view;
    }
}
