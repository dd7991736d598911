using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Web.Api;

/// <summary>
/// Fans the loop's views and alert changes out to every open event stream, each with the id of the pass it came
/// from (a `fleet` event's SSE id, an `alerts` event's `pass`). Each message is serialised and encoded (UTF-8) once,
/// and every stream writes the same bytes: at 1,000 identities a message is hundreds of kilobytes, and an encoding
/// per dashboard was that much again on the large-object heap for each of them, held until a full collection.
/// A subscriber that asks for whole views has a small queue that drops its oldest entries, because every `fleet`
/// event is a whole state and a slow client only needs the latest. A subscriber that asks for changes (the
/// dashboard) gets one whole view, then `fleet-changes` messages (<see cref="FleetChanges"/>); its queue cannot
/// drop one, so when it is full the stream is ended and the client reconnects to a whole view again.
/// Views go out at most once per interval (<see cref="WebOptions.EventInterval"/>): the loop may pass several times a
/// second in a gap (at 1,000 identities 13 to 19), and a page needs no more than a few frames a second. A view that
/// comes sooner waits, and the newest of those is sent by a timer when the interval is up, so the last view always
/// arrives; changes are told against the last view *sent*, and a new subscriber's whole view is that one too, so the
/// changes that follow apply to what it has. With no subscriber no changes are worked out at all.
/// Thread-safety: the loop (views), the alert monitor, the timer and request threads (subscribe, leave) all enter
/// through one lock.
/// </summary>
public sealed class FleetEventHub : IDisposable
{
    private readonly IFleetControl _control;
    private readonly AlertMonitor _alerts;
    private readonly Lock _gate = new();
    private readonly List<(Channel<byte[]> Channel, bool Changes)> _subscribers = [];
    private readonly FleetChanges _changes = new();
    private readonly LatestJson<FleetView> _json = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ITimer _trailing;

    /// <summary>The view every stream has (whole or by changes), and so the base of the next changes.</summary>
    private FleetView? _sent;

    /// <summary>The newest view not sent yet, held until the interval since the last send is up.</summary>
    private FleetView? _pending;

    private long _sentAt;
    private bool _armed;

    public FleetEventHub(IFleetControl control, AlertMonitor alerts, TimeProvider time, TimeSpan interval)
    {
        _control = control;
        _alerts = alerts;
        _time = time;
        _interval = interval;
        _trailing = time.CreateTimer(_ => SendPending(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sent = control.Current;

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
            ? Channel.CreateBounded<byte[]>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true })
            : Channel.CreateBounded<byte[]>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            if (_sent is { } view)
            {
                // Views sent while no changes stream listened were not diffed: the base moves to what this one gets.
                if (changes && !ReferenceEquals(_changes.Base, view))
                {
                    _changes.NextParts(view);
                }

                channel.Writer.TryWrite(FleetBytes(view, Json(view)));
            }

            channel.Writer.TryWrite(AlertsMessage(_control.Current?.Pass, _alerts.Open));
            _subscribers.Add((channel, changes));
        }

        return new Subscription(this, channel);
    }

    /// <summary>The view's JSON, made once per view for every stream and API read (<see cref="LatestJson{T}"/>).</summary>
    public byte[] Json(FleetView view) => _json.Of(view);

    public static string FleetMessage(FleetView view) => Encoding.UTF8.GetString(FleetBytes(view, JsonSerializer.SerializeToUtf8Bytes(view, JsonSerializerOptions.Web)));

    private static byte[] FleetBytes(FleetView view, byte[] json) => Message("fleet", Id(view), json);

    /// <param name="pass">The pass whose view the alerts were evaluated on (alert changes are raised from within it).</param>
    private static byte[] AlertsMessage(long? pass, IReadOnlyList<Alert> open) => Message("alerts", null, JsonSerializer.SerializeToUtf8Bytes(new { pass, open }, JsonSerializerOptions.Web));

    private static string Id(FleetView view) => view.Pass.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One SSE message whose JSON comes in pieces of UTF-8, copied straight into the bytes every stream writes.</summary>
    private static byte[] Message(string name, string id, IReadOnlyList<byte[]> json)
    {
        var head = Encoding.UTF8.GetBytes("event: " + name + "\nid: " + id + "\ndata: ");
        var length = head.Length + 2;
        foreach (var part in json)
        {
            length += part.Length;
        }

        var message = new byte[length];
        head.CopyTo(message, 0);
        var at = head.Length;
        foreach (var part in json)
        {
            part.CopyTo(message, at);
            at += part.Length;
        }

        message[^2] = (byte)'\n';
        message[^1] = (byte)'\n';
        return message;
    }

    /// <summary>One SSE message, in the bytes every stream writes.</summary>
    private static byte[] Message(string name, string? id, ReadOnlySpan<byte> json)
    {
        // JSON from System.Text.Json has no raw newlines (they are escaped), so one data line is enough.
        var head = Encoding.UTF8.GetBytes("event: " + name + "\n" + (id is null ? "" : "id: " + id + "\n") + "data: ");
        var message = new byte[head.Length + json.Length + 2];
        head.CopyTo(message, 0);
        json.CopyTo(message.AsSpan(head.Length));
        message[^2] = (byte)'\n';
        message[^1] = (byte)'\n';
        return message;
    }

    private void OnUpdated(FleetView view)
    {
        lock (_gate)
        {
            _pending = view;
            var since = _time.GetElapsedTime(_sentAt);
            if (_sent is null || since >= _interval)
            {
                SendPendingLocked();
            }
            else if (!_armed)
            {
                _armed = true;
                _trailing.Change(_interval - since, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void SendPending()
    {
        lock (_gate)
        {
            _armed = false;
            if (_pending is not null)
            {
                SendPendingLocked();
            }
        }
    }

    private void SendPendingLocked()
    {
        var view = _pending!;
        _pending = null;
        _sent = view;
        _sentAt = _time.GetTimestamp();
        if (_subscribers.Count == 0)
        {
            return;
        }

        // The base is the last view sent: a changes stream moved it there when it came, and every send since has.
        var changes = _subscribers.Any(s => s.Changes) && _changes.NextParts(view) is { } parts ? Message("fleet-changes", Id(view), parts) : null;

        var whole = changes is null || _subscribers.Any(s => !s.Changes) ? FleetBytes(view, Json(view)) : null;
        foreach (var (channel, wantsChanges) in _subscribers)
        {
            Send(channel, wantsChanges ? changes ?? whole! : whole!);
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
    private static void Send(Channel<byte[]> channel, byte[] message)
    {
        if (!channel.Writer.TryWrite(message))
        {
            channel.Writer.TryComplete();
        }
    }

    private void Remove(Channel<byte[]> channel)
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
        _trailing.Dispose();
    }

    public sealed class Subscription(FleetEventHub hub, Channel<byte[]> channel) : IDisposable
    {
        /// <summary>Each message as the UTF-8 bytes of its SSE text (shared by every stream: never to be changed).</summary>
        public ChannelReader<byte[]> Messages => channel.Reader;

        public void Dispose() => hub.Remove(channel);
    }
}
