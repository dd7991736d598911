using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Web.Api;

/// <summary>
/// Fans the loop's views and alert changes out to every open event stream, each with the id of the pass it came
/// from (a `fleet` event's SSE id, an `alerts` event's `pass`). Each message is serialised once;
/// each subscriber has a small queue that drops its oldest entries, because every `fleet` event is a whole
/// state and a slow browser only needs the latest.
/// </summary>
public sealed class FleetEventHub : IDisposable
{
    private readonly IFleetControl _control;
    private readonly AlertMonitor _alerts;
    private readonly Lock _gate = new();
    private readonly List<Channel<string>> _subscribers = [];

    public FleetEventHub(IFleetControl control, AlertMonitor alerts)
    {
        _control = control;
        _alerts = alerts;
        control.Updated += OnUpdated;
        alerts.Changed += OnAlerts;
    }

    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>A new subscription that starts with the current state, so a fresh page needs no other request.</summary>
    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        if (_control.Current is { } view)
        {
            channel.Writer.TryWrite(FleetMessage(view));
        }

        channel.Writer.TryWrite(AlertsMessage(_control.Current?.Pass, _alerts.Open));
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return new Subscription(this, channel);
    }

    public static string FleetMessage(FleetView view) => Message("fleet", view.Pass.ToString(System.Globalization.CultureInfo.InvariantCulture), JsonSerializer.Serialize(view, JsonSerializerOptions.Web));

    /// <param name="pass">The pass whose view the alerts were evaluated on (alert changes are raised from within it).</param>
    private static string AlertsMessage(long? pass, IReadOnlyList<Alert> open) => Message("alerts", null, JsonSerializer.Serialize(new { pass, open }, JsonSerializerOptions.Web));

    private static string Message(string name, string? id, string json)
    {
        var text = new StringBuilder();
        text.Append("event: ").Append(name).Append('\n');
        if (id is not null)
        {
            text.Append("id: ").Append(id).Append('\n');
        }

        // JSON from System.Text.Json has no raw newlines (they are escaped), so one data line is enough.
        text.Append("data: ").Append(json).Append("\n\n");
        return text.ToString();
    }

    private void OnUpdated(FleetView view) => Broadcast(FleetMessage(view));

    private void OnAlerts(IReadOnlyList<Alert> open) => Broadcast(AlertsMessage(_control.Current?.Pass, open));

    private void Broadcast(string message)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(message);
            }
        }
    }

    private void Remove(Channel<string> channel)
    {
        lock (_gate)
        {
            _subscribers.Remove(channel);
        }
    }

    public void Dispose()
    {
        _control.Updated -= OnUpdated;
        _alerts.Changed -= OnAlerts;
    }

    public sealed class Subscription(FleetEventHub hub, Channel<string> channel) : IDisposable
    {
        public ChannelReader<string> Messages => channel.Reader;

        public void Dispose() => hub.Remove(channel);
    }
}
