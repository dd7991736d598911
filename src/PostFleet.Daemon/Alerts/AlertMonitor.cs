using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Alerts;

/// <summary>
/// Runs the evaluator on every view the loop publishes, keeps the open alerts and a short record of changes, and
/// hands changes to the sender on its own worker so a slow webhook never delays the loop's Updated event.
/// </summary>
public sealed class AlertMonitor : IAsyncDisposable
{
    private const int RecentLimit = 100;

    private readonly IFleetControl _control;
    private AlertEvaluator _evaluator;
    private readonly AlertSender? _sender;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Channel<AlertChange> _outbox = Channel.CreateUnbounded<AlertChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping;
    private readonly Task _worker;
    private IReadOnlyList<Alert> _open = [];
    private readonly LinkedList<AlertChange> _recent = new();

    public AlertMonitor(IFleetControl control, AlertEvaluator evaluator, AlertSender? sender, TimeProvider time, ILogger logger)
    {
        _control = control;
        _evaluator = evaluator;
        _sender = sender;
        _time = time;
        _logger = logger;
        // Built on the injected clock so the shutdown grace below follows test time too.
        _stopping = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        _worker = Task.Run(DeliverAsync);
        control.Updated += Observe;
        if (control.Current is { } current)
        {
            Observe(current);
        }
    }

    /// <summary>Where alerts go now (none without a sender).</summary>
    public IReadOnlyList<WebhookTarget> Webhooks => _sender?.Targets ?? [];

    /// <summary>
    /// Applies reloaded alert settings from the next view on: new rules, and new webhooks unless
    /// <paramref name="webhooks"/> is null (they came from the command line, which a reload does not change).
    /// </summary>
    public void Reconfigure(AlertRules rules, IReadOnlyList<WebhookTarget>? webhooks)
    {
        lock (_gate)
        {
            _evaluator = new AlertEvaluator(rules);
        }

        if (webhooks is not null && _sender is not null)
        {
            _sender.Targets = webhooks;
        }
    }

    /// <summary>Raised (outside the lock) when alerts fired or resolved.</summary>
    public event Action<IReadOnlyList<Alert>>? Changed;

    public IReadOnlyList<Alert> Open
    {
        get
        {
            lock (_gate)
            {
                return _open;
            }
        }
    }

    /// <summary>Fired and resolved alerts, newest first.</summary>
    public IReadOnlyList<AlertChange> Recent
    {
        get
        {
            lock (_gate)
            {
                return [.. _recent];
            }
        }
    }

    private void Observe(FleetView view)
    {
        AlertEvaluation evaluation;
        lock (_gate)
        {
            evaluation = _evaluator.Evaluate(_open, view, _time.GetUtcNow());
            _open = evaluation.Open;
            foreach (var change in evaluation.Changes)
            {
                _recent.AddFirst(change);
                if (_recent.Count > RecentLimit)
                {
                    _recent.RemoveLast();
                }
            }
        }

        if (evaluation.Changes.Count == 0)
        {
            return;
        }

        foreach (var change in evaluation.Changes)
        {
            _logger.LogInformation("alert {Status}: {Message}", change.Resolved ? "resolved" : "fired", change.Message);
            _outbox.Writer.TryWrite(change);
        }

        Changed?.Invoke(evaluation.Open);
    }

    private async Task DeliverAsync()
    {
        try
        {
            await foreach (var change in _outbox.Reader.ReadAllAsync(_stopping.Token))
            {
                if (_sender is not null)
                {
                    await _sender.SendAsync(change, _stopping.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _control.Updated -= Observe;
        _outbox.Writer.TryComplete();
        // Give queued alerts a moment to go out (a resolve at shutdown is useful), then stop waiting on retries.
        _stopping.CancelAfter(TimeSpan.FromSeconds(5));
        await _worker;
        _stopping.Dispose();
    }
}
