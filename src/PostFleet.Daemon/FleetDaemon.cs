using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.K2Pow;
using PostFleet.Daemon.Loop;
using PostFleet.Daemon.Reliability;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web;
using PostFleet.Storage;

namespace PostFleet.Daemon;

/// <summary>
/// `postfleet run`: composes the adapters around the reconcile loop, runs until cancelled, then applies the
/// shutdown policy (by default services are left running and adopted on return, because a stop loses all
/// proving progress).
/// </summary>
public sealed class FleetDaemon : IAsyncDisposable
{
    private readonly DaemonAdapters _adapters;
    private readonly IReadOnlyList<NodeSource> _nodes;
    private readonly ActionExecutor _executor;
    private readonly FleetObserver _observer;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly WebOptions? _web;
    private RunningWebHost? _webHost;
    private bool _webTried;
    private bool _poolTried;
    private readonly FleetSpec _fleet;

    // Reliability: config reload (keeps the last good one), the run journal, shutdown/user actions in history.
    private readonly ConfigReloader? _config;
    private readonly RunJournal _journal;
    private readonly K2PowPool? _pool;

    /// <param name="adapters">The node, post-services, runtime, history and clock (<see cref="DaemonAdapters.Connect"/>, or fakes); owned from here on.</param>
    /// <param name="web">Where to serve the dashboard, API and metrics; null for none.</param>
    public FleetDaemon(FleetSpec fleet, DaemonAdapters adapters, IReadOnlyList<IPassListener> listeners, ILoggerFactory loggers, WebOptions? web = null)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        _adapters = adapters;
        _loggers = loggers;
        _web = web;
        _fleet = fleet;
        var time = adapters.Time;
        _logger = loggers.CreateLogger("postfleet");
        History = adapters.History;
        Intents = new FleetIntents();
        _journal = new RunJournal(History, _logger, () => Fleet.HistoryRetention);
        _config = File.Exists(fleet.Source) ? new ConfigReloader(fleet, History, time, _logger) : null;
        if (_config is not null)
        {
            _config.Applied += ApplyAlertSettings;
        }

        // Node events, runs' /status phases and user intents wake the loop through one trigger, built before all
        // sides: a run's phase change and a node event (a gap's start, a delivery) paced (five pass lengths, a second
        // at most), an intent at once.
        Trigger = new PassTrigger(time);
        Intents.Changed += () => _journal.UserAction(time.GetUtcNow(), "intents", Intents.Current.ToString());
        Intents.Changed += Trigger.SetNow;
        Control = new FleetControl(Intents, History, adapters.Runtime);
        listeners = [.. listeners, _journal, Control];
        if (fleet.K2Pow is not null)
        {
            _pool = new K2PowPool(fleet, time, loggers);
            listeners = [.. listeners, _pool.Priorities];
        }

        // One client, event stream and clock per node; each identity is observed through its own node.
        _nodes = [.. fleet.Nodes.Select(n =>
        {
            var client = adapters.NodeClient(n.Name, fleet.Node.Name);
            return new NodeSource(n.Name, client, new NodeEventPump(client, time, _logger, Trigger.Set), time, Trigger.Set);
        })];
        _executor = new ActionExecutor(adapters.Runtime, _logger, time, Trigger.Set);
        _observer = new FleetObserver(_nodes, StatusReaders.For(adapters.Runtime, adapters.Operators), adapters.Runtime, time, Trigger.Set);
        Loop = new ReconcileLoop(() => _config?.Poll() ?? _fleet, _observer, _executor, History, Intents, listeners, Trigger, time, _logger);
    }

    /// <summary>The configuration in force: the one started with, or the last good reload of its file.</summary>
    public FleetSpec Fleet => _config?.Current ?? _fleet;

    /// <summary>Why the last edit of the configuration file was refused (null: none, or a later edit applied).</summary>
    public string? ConfigError => _config?.LastError;

    public ReconcileLoop Loop { get; }

    /// <summary>What wakes the loop; while it waits, <see cref="PassTrigger.WaitingUntil"/> says until when.</summary>
    public PassTrigger Trigger { get; }

    /// <summary>No node's states are being read (<see cref="NodeStateReader.Settled"/>): a read ahead may still wake the loop until then.</summary>
    public bool NodeReadsSettled => _nodes.All(n => n.States.Settled);

    public FleetIntents Intents { get; }

    public FleetHistory History { get; }

    /// <summary>The view and intents the dashboard and API work with.</summary>
    public FleetControl Control { get; }

    /// <summary>The dashboard's address once <see cref="StartWebAsync"/> has bound it.</summary>
    public Uri? WebUrl => _webHost?.Url;

    /// <summary>The k2pow pool and its router, when the config has a <c>k2pow:</c> section.</summary>
    public K2PowPool? Pool => _pool;

    /// <summary>Binds the dashboard, API and metrics (refuses a non-loopback address without a token).</summary>
    public async Task StartWebAsync(CancellationToken cancellationToken)
    {
        if (_web is null || _webTried)
        {
            return;
        }

        // One attempt: a caller that chose to go on without the dashboard must not see RunAsync fail on it.
        _webTried = true;

        _webHost = await DaemonWebHost.StartAsync(Control, _pool is null ? _web : _web with { K2Pow = _pool.View }, _loggers, cancellationToken);
        Control.PassObserved = (view, pass) => _webHost.Metrics.ObservePass(view, pass.Duration, pass.Stages);
    }

    private void ApplyAlertSettings(FleetSpec fleet)
    {
        // Webhooks given with --webhook or POSTFLEET_WEBHOOKS win over the file, on reload as at start.
        _webHost?.Alerts.Reconfigure(Alerts.AlertRules.From(fleet.Alerts), _web!.WebhooksFollowConfig ? ConfiguredWebOptions.Webhooks(fleet.Alerts) : null);
    }

    /// <summary>
    /// Starts the k2pow pool and binds its router, when the config has a <c>k2pow:</c> section; an address that cannot
    /// be bound throws <see cref="IOException"/> for the caller to report. Once: <see cref="RunAsync"/> calls it too.
    /// </summary>
    public async Task StartK2PowPoolAsync(CancellationToken cancellationToken)
    {
        if (_pool is null || _poolTried)
        {
            return;
        }

        _poolTried = true;
        await _pool.StartAsync(cancellationToken);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // First: post-services retry their k2pow forever, so the router must answer again as soon as we are back.
        await StartK2PowPoolAsync(cancellationToken);
        await StartWebAsync(cancellationToken);
        var pumps = _nodes.Select(n => n.Events.RunAsync(cancellationToken)).ToList();
        var trim = new NativeHeapTrim(_adapters.Time, _logger).RunAsync(cancellationToken);
        await LoopThread.RunAsync("postfleet reconcile loop", () => Loop.RunAsync(cancellationToken), _logger);
        await Task.WhenAll(pumps);
        await trim;
        await _executor.DrainAsync();
        await ShutDownServicesAsync();
    }

    private async Task ShutDownServicesAsync()
    {
        var running = (await _adapters.Runtime.ListAsync(CancellationToken.None)).Where(r => r.Running).ToList();
        History.RecordDaemonEvent(_adapters.Time.GetUtcNow(), "shutdown", $"on-shutdown {Fleet.Schedule.OnShutdown}: {running.Count} services running");
        if (!History.Flush())
        {
            _logger.LogError("history: {Rows} rows could not be written before shutdown and are lost: {Fault}", History.Health.RowsPending, History.Health.Fault);
        }

        if (Fleet.Schedule.OnShutdown == ShutdownPolicy.LeaveRunning)
        {
            if (running.Count > 0)
            {
                _logger.LogInformation("leaving {Count} services running; they are adopted when postfleet starts again", running.Count);
            }

            return;
        }

        _logger.LogInformation("stopping {Count} services (on-shutdown: stop-all)", running.Count);
        await Task.WhenAll(running.Select(r => _adapters.Runtime.StopAsync(r, Fleet.Schedule.StopGrace, CancellationToken.None)));
        if (_pool is not null)
        {
            await _pool.StopWorkersAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_webHost is not null)
        {
            await _webHost.DisposeAsync();
        }

        if (_pool is not null)
        {
            await _pool.DisposeAsync();
        }

        _observer.Dispose();
        await _adapters.DisposeAsync();
    }
}
