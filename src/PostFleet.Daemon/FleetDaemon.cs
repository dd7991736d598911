using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Ports;
using PostFleet.Daemon.Loop;
using PostFleet.Daemon.Reliability;
using PostFleet.Runtime.Process;
using PostFleet.Spacemesh.Node;
using PostFleet.Spacemesh.Operator;
using PostFleet.Storage;

namespace PostFleet.Daemon;

/// <summary>
/// `postfleet run`: composes the adapters around the reconcile loop, runs until cancelled, then applies the
/// shutdown policy (by default services are left running and adopted on return, because a stop loses all
/// proving progress).
/// </summary>
public sealed class FleetDaemon : IAsyncDisposable
{
    private readonly NodeGrpcClient _node;
    private readonly OperatorStatusClient _operators;
    private readonly IServiceRuntime _runtime;
    private readonly NodeEventPump _events;
    private readonly ActionExecutor _executor;
    private readonly ILogger _logger;
    private readonly FleetSpec _fleet;

    // Reliability: config reload (keeps the last good one), the run journal, shutdown/user actions in history.
    private readonly ConfigReloader? _config;
    private readonly RunJournal _journal;
    private readonly TimeProvider _time;

    public FleetDaemon(FleetSpec fleet, IReadOnlyList<IPassListener> listeners, ILoggerFactory loggers, TimeProvider time)
    {
        _fleet = fleet;
        _time = time;
        _logger = loggers.CreateLogger("postfleet");
        _node = new NodeGrpcClient(fleet.Node, timeProvider: time, logger: loggers.CreateLogger<NodeGrpcClient>());
        _operators = new OperatorStatusClient(time);
        _runtime = new ProcessRuntime(Path.Combine(fleet.StateDirectory, "runtime"), time, loggers.CreateLogger<ProcessRuntime>());
        History = FleetHistory.Open(Path.Combine(fleet.StateDirectory, "history.db"));
        Intents = new FleetIntents();
        _journal = new RunJournal(History, _logger);
        _config = File.Exists(fleet.Source) ? new ConfigReloader(fleet, History, time, _logger) : null;
        Intents.Changed += () => _journal.UserAction(time.GetUtcNow(), "intents", Intents.Current.ToString());
        listeners = [.. listeners, _journal];
        ReconcileLoop? loop = null;
        _events = new NodeEventPump(_node, time, _logger, () => loop?.Trigger());
        _executor = new ActionExecutor(_runtime, _logger);
        loop = new ReconcileLoop(() => _config?.Poll() ?? _fleet, new FleetObserver(_node, _operators, _runtime, _events, time), _executor, History, Intents, listeners, time, _logger);
        Loop = loop;
    }

    /// <summary>The configuration in force: the one started with, or the last good reload of its file.</summary>
    public FleetSpec Fleet => _config?.Current ?? _fleet;

    /// <summary>Why the last edit of the configuration file was refused (null: none, or a later edit applied).</summary>
    public string? ConfigError => _config?.LastError;

    public ReconcileLoop Loop { get; }

    public FleetIntents Intents { get; }

    public FleetHistory History { get; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pump = _events.RunAsync(cancellationToken);
        await Loop.RunAsync(cancellationToken);
        await pump;
        await _executor.DrainAsync();
        await ShutDownServicesAsync();
    }

    private async Task ShutDownServicesAsync()
    {
        var running = (await _runtime.ListAsync(CancellationToken.None)).Where(r => r.Running).ToList();
        History.RecordDaemonEvent(_time.GetUtcNow(), "shutdown", $"on-shutdown {Fleet.Schedule.OnShutdown}: {running.Count} services running");
        if (Fleet.Schedule.OnShutdown == ShutdownPolicy.LeaveRunning)
        {
            if (running.Count > 0)
            {
                _logger.LogInformation("leaving {Count} services running; they are adopted when postfleet starts again", running.Count);
            }

            return;
        }

        _logger.LogInformation("stopping {Count} services (on-shutdown: stop-all)", running.Count);
        await Task.WhenAll(running.Select(r => _runtime.StopAsync(r, Fleet.Schedule.StopGrace, CancellationToken.None)));
    }

    public async ValueTask DisposeAsync()
    {
        _node.Dispose();
        _operators.Dispose();
        if (_runtime is IDisposable disposable)
        {
            disposable.Dispose();
        }

        History.Dispose();
        await Task.CompletedTask;
    }
}
