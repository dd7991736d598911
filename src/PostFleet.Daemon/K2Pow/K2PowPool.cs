using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;

namespace PostFleet.Daemon.K2Pow;

/// <summary>
/// The k2pow pool of a running daemon: the router, its listener, the managed workers and the loop that drives them.
/// Built from the config at start; a change to <c>k2pow:</c> takes a daemon restart.
/// </summary>
public sealed class K2PowPool : IAsyncDisposable
{
    private readonly K2PowPoolSpec _spec;
    private readonly FleetSpec _fleet;
    private readonly ManagedWorkers? _managed;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly CancellationTokenSource _stop = new();
    private WebApplication? _listener;
    private Task? _loop;

    public K2PowPool(FleetSpec fleet, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        _spec = fleet.K2Pow ?? throw new ArgumentException("the fleet has no k2pow section", nameof(fleet));
        _fleet = fleet;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger("PostFleet.K2Pow");
        // A job request returns at once (201) or with a stored result: a slow answer means the worker is gone.
        _http = new HttpClient(ManagedWorkers.RouteFor(fleet, time)) { Timeout = TimeSpan.FromSeconds(10) };
        Router = new K2PowRouter(_spec.AllWorkers, new WorkerClient(_http), time, _logger);
        Priorities = new JobPriorities(Router);
        if (_spec.Managed is { } managed)
        {
            var folder = Path.Combine(fleet.StateDirectory, "k2pow");
            _managed = new ManagedWorkers(managed, fleet.Schedule, ManagedWorkers.RuntimeFor(fleet, managed, folder, time, loggers), Path.Combine(folder, "logs"), time, _logger);
        }
    }

    public K2PowRouter Router { get; }

    /// <summary>The pass listener that keeps the router's queue in the planner's order.</summary>
    public JobPriorities Priorities { get; }

    public Uri? ListenUrl => _listener?.Urls.FirstOrDefault() is { } url ? new Uri(url) : null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_managed is not null)
        {
            // Before the listener, so the first jobs find workers; but a runtime that does not answer (a Docker
            // engine down) must not keep the router from answering: the loop tries again.
            try
            {
                await _managed.ReconcileAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ManagedWorkers.IsRuntimeFault(ex))
            {
                _logger.LogError(ex, "k2pow: starting the managed workers failed; trying again every {Poll}", _spec.Poll);
            }
        }

        _listener = await RouterListener.StartAsync(_spec, Router, _loggers, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("k2pow router listening on {Listen}; post-services get --remote-k2pow {Url}; {Workers} workers", _spec.Listen, _spec.ServiceUrl, _spec.AllWorkers.Count());
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var routing = Router.RunAsync(_spec.Poll, cancellationToken);
        while (_managed is not null && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _managed.ReconcileAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(_spec.Poll, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ManagedWorkers.IsRuntimeFault(ex))
            {
                _logger.LogError(ex, "k2pow: managing workers failed; trying again");
                await Task.Delay(_spec.Poll, _time, CancellationToken.None).ConfigureAwait(false);
            }
        }

        try
        {
            await routing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public K2PowPoolView View()
    {
        var snapshot = Router.Snapshot();
        var workers = snapshot.Workers.Select(w => w.Managed && _managed is not null ? w with { Process = _managed.StateOf(w.Name) } : w).ToList();
        var services = _fleet.Services.ToList();
        return new K2PowPoolView(
            _spec.ServiceUrl.ToString().TrimEnd('/'),
            _spec.Listen.ToString(),
            _spec.Parallelism,
            (int)_spec.Backoff.TotalSeconds,
            _spec.MaxPow,
            [.. services.Where(_spec.Routes).Select(s => s.Name)],
            _spec.Direct.ToDictionary(d => d.Key, d => d.Value.ToString().TrimEnd('/'), StringComparer.Ordinal),
            snapshot with { Workers = workers });
    }

    /// <summary>on-shutdown stop-all also stops managed workers; otherwise they are adopted on the next start.</summary>
    public Task StopWorkersAsync() => _managed?.StopAllAsync(_fleet.Schedule.StopGrace) ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_listener is not null)
        {
            await _listener.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
        _stop.Dispose();
    }
}
