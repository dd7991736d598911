using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Web.Api;

/// <summary>
/// Fans the loop's views and alert changes out to every open event stream, each with the id of the pass it came
/// from (a `fleet` event's SSE id, an `alerts` event's `pass`). Each message is serialised once.
/// A subscriber that asks for whole views has a small queue that drops its oldest entries, because every `fleet`
/// event is a whole state and a slow client only needs the latest. A subscriber that asks for changes (the
/// dashboard) gets one whole view, then `fleet-changes` messages (<see cref="FleetChanges"/>); its queue cannot
/// drop one, so when it is full the stream is ended and the client reconnects to a whole view again.
/// </summary>
public sealed class FleetEventHub : IDisposable
{
    private readonly IFleetControl _control;
    private readonly AlertMonitor _alerts;
    private readonly Lock _gate = new();
    private readonly List<(Channel<string> Channel, bool Changes)> _subscribers = [];
    private readonly FleetChanges _changes = new();

    public FleetEventHub(IFleetControl control, AlertMonitor alerts)
    {
        _control = control;
        _alerts = alerts;
        if (control.Current is { } current)
        {
            // The base the first changes are told against.
            _changes.Next(current);
        }

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

    /// <summary>
    /// A new subscription that starts with the current state, so a fresh page needs no other request; with
    /// <paramref name="changes"/>, later views come as `fleet-changes` against the one before.
    /// </summary>
    public Subscription Subscribe(bool changes = false)
    {
        var channel = changes
            ? Channel.CreateBounded<string>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true })
            : Channel.CreateBounded<string>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            if (_control.Current is { } view)
            {
                channel.Writer.TryWrite(FleetMessage(view));
            }

            channel.Writer.TryWrite(AlertsMessage(_control.Current?.Pass, _alerts.Open));
            _subscribers.Add((channel, changes));
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

    private void OnUpdated(FleetView view)
    {
        lock (_gate)
        {
            // Computed even with no subscriber, so the first one to ask for changes has a base to receive them against.
            var changes = _changes.Next(view) is { } data
                ? Message("fleet-changes", view.Pass.ToString(System.Globalization.CultureInfo.InvariantCulture), data)
                : null;
            var whole = changes is null || _subscribers.Any(s => !s.Changes) ? FleetMessage(view) : null;
            foreach (var (channel, wantsChanges) in _subscribers)
            {
                Send(channel, wantsChanges ? changes ?? whole! : whole!);
            }
        }
    }

    private void OnAlerts(IReadOnlyList<Alert> open)
    {
        var message = AlertsMessage(_control.Current?.Pass, open);
        lock (_gate)
        {
            foreach (var (channel, _) in _subscribers)
            {
                Send(channel, message);
            }
        }
    }

    /// <summary>A changes queue that is full ends its stream (a lost change would leave the page wrong); the client reconnects.</summary>
    private static void Send(Channel<string> channel, string message)
    {
        if (!channel.Writer.TryWrite(message))
        {
            channel.Writer.TryComplete();
        }
    }

    private void Remove(Channel<string> channel)
    {
        lock (_gate)
        {
            _subscribers.RemoveAll(s => s.Channel == channel);
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
