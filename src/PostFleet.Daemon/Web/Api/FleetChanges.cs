using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Web.Api;

/// <summary>
/// What changed in the fleet view since the last pass, for the event stream's `fleet-changes` messages: the
/// top-level members whose JSON differs, and the services whose JSON differs (replaced whole, by name). A change in
/// which services exist (a config reload) is not expressed as a change: <see cref="Next"/> then returns null and the
/// hub sends the whole view. A pass changes mostly the live runs (at most max-running), so a dashboard receives
/// what they changed instead of the whole view each time; their reads' progress alone at most once a second.
/// </summary>
internal sealed class FleetChanges
{
    private Dictionary<string, string> _members = new(StringComparer.Ordinal);
    private Dictionary<string, (ServiceView View, byte[] Json)> _services = new(StringComparer.Ordinal);
    private List<string> _order = [];
    private long? _pass;

    /// <summary>The view the next changes are told against (the last one given to <see cref="NextParts"/>).</summary>
    public FleetView? Base { get; private set; }
    private object? _disks;
    private object? _edges;
    private DateTimeOffset _progressSentAt = DateTimeOffset.MinValue;
    private DateTimeOffset _capWaitsSentAt = DateTimeOffset.MinValue;

    private static readonly byte[] Comma = ","u8.ToArray();
    private static readonly byte[] End = "]}"u8.ToArray();

    private string Layout<T>(IReadOnlyList<T> list, object? before, string member) =>
        ReferenceEquals(list, before) && _members.TryGetValue(member, out var json) ? json : JsonSerializer.Serialize(list, JsonSerializerOptions.Web);

    /// <summary>
    /// Remembers <paramref name="view"/> and returns the changes message data since the previous one
    /// (<c>{"base":N,"pass":M,"set":{...},"services":[...]}</c>), or null when there is no previous view or the set
    /// of services changed. A service whose view equals the last one's keeps its JSON: only what changed is
    /// serialised again, so a pass costs what it changed, not the whole fleet.
    /// </summary>
    public string? Next(FleetView view) => NextParts(view) is { } parts ? Encoding.UTF8.GetString([.. parts.SelectMany(p => p)]) : null;

    /// <summary>
    /// <see cref="Next"/> as the pieces of its JSON in UTF-8, in order (the services' are the JSON each keeps): the hub
    /// copies them into the message's bytes at once, without first joining them into one large string. Kept as UTF-8
    /// as serialised: a hundred live reads' JSON each pass was twice its size as strings, then encoded again.
    /// </summary>
    public IReadOnlyList<byte[]>? NextParts(FleetView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        // Disks and edges come from the config and are the same lists while it is (FleetViewBuilder): kept as JSON.
        var node = JsonSerializer.SerializeToNode(view with { Services = [], Disks = [], Edges = [] }, JsonSerializerOptions.Web)!.AsObject();
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in node)
        {
            if (key is not ("services" or "disks" or "edges"))
            {
                members[key] = value?.ToJsonString() ?? "null";
            }
        }

        members["disks"] = Layout(view.Disks, _disks, "disks");
        members["edges"] = Layout(view.Edges, _edges, "edges");
        (_disks, _edges) = (view.Disks, view.Edges);

        // A live read's progress goes out at most once per ProgressInterval, all of the fleet's at once.
        var progressDue = Due(ref _progressSentAt, ProgressInterval, view.At);
        var capWaitsDue = Due(ref _capWaitsSentAt, CapWaitInterval, view.At);

        var byName = new Dictionary<string, (ServiceView View, byte[] Json)>(view.Services.Count, StringComparer.Ordinal);
        var order = new List<string>(view.Services.Count);
        foreach (var service in view.Services)
        {
            byName[service.Name] = _services.TryGetValue(service.Name, out var before)
                && (Unchanged(before.View, service, view.At) || (!progressDue && OnlyProgress(before.View, service)) || (!capWaitsDue && OnlyCapWait(before.View, service)))
                ? before
                : (service, JsonSerializer.SerializeToUtf8Bytes(service, JsonSerializerOptions.Web));
            order.Add(service.Name);
        }

        List<byte[]>? changes = null;
        if (_pass is { } previous && order.SequenceEqual(_order, StringComparer.Ordinal))
        {
            changes = Describe(previous, view.Pass, members, byName);
        }

        (_members, _services, _order, _pass, Base) = (members, byName, order, view.Pass, view);
        return changes;
    }

    /// <summary>True (and <paramref name="sentAt"/> moved to <paramref name="at"/>) when a held kind of change is due again.</summary>
    private static bool Due(ref DateTimeOffset sentAt, TimeSpan interval, DateTimeOffset at)
    {
        if (!Intervals.HavePassed(interval, sentAt, at))
        {
            return false;
        }

        sentAt = at;
        return true;
    }

    /// <summary>
    /// Equal, or equal but for an estimated finish that moved less than it is worth drawing. A waiting proof's
    /// estimate is "now plus its queue", so it moves every pass: at 1,000 identities in an open gap that alone made
    /// every waiting service a change (half a megabyte per pass per dashboard). The dashboard keeps the estimate it
    /// was last sent until it is off by more than <see cref="EstimateTolerance"/>; the whole view
    /// (`GET /api/v1/fleet`) and the alerts always use the exact one.
    /// </summary>
    internal static bool Unchanged(ServiceView sent, ServiceView now, DateTimeOffset at) =>
        sent == now
        || (sent.EstimatedFinish is { } before && now.EstimatedFinish is { } after
            && sent with { EstimatedFinish = after } == now
            && (after - before).Duration() < EstimateTolerance(after - at));

    /// <summary>
    /// Equal but for what moves only because time passed while a read goes on: its position, the fraction read, the
    /// rate so far and the estimate drawn from them. With a hundred reads live that was every live service, about
    /// 210 KB, on every pass (several a second); held, they go at most once per <see cref="ProgressInterval"/>, which
    /// is what a page redrawn each second shows. Anything else (a phase, a decision, a delivery) is sent at once, and
    /// with it the service's current progress.
    /// </summary>
    internal static bool OnlyProgress(ServiceView sent, ServiceView now) =>
        sent with { Position = now.Position, ReadFraction = now.ReadFraction, ReadRate = now.ReadRate, EstimatedFinish = now.EstimatedFinish } == now;

    /// <summary>
    /// Equal but for which shared cap a waiting service waits on and who holds it (<see cref="CapWait"/>): at 1,000
    /// identities in an open gap that was hundreds of services resent every pass (about 1.2 MB/s per dashboard), and
    /// still about 360 KB/s held to once a second. Held for <see cref="CapWaitInterval"/>, all the fleet's at once.
    /// </summary>
    internal static bool OnlyCapWait(ServiceView sent, ServiceView now) =>
        CapWait.Is(sent.DecisionCode) && CapWait.Is(now.DecisionCode)
        && sent with { DecisionCode = now.DecisionCode, DecisionMessage = now.DecisionMessage, EstimatedFinish = now.EstimatedFinish } == now;

    /// <summary>How often a waiting service's change of cap or holder alone is sent: the reason is still true, only who holds the cap moved.</summary>
    public static readonly TimeSpan CapWaitInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often a live read's progress alone is sent: the dashboard redraws once a second.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>5 s, or 2% of the time still to go when that is more: what a countdown in minutes cannot show.</summary>
    internal static TimeSpan EstimateTolerance(TimeSpan toGo) =>
        TimeSpan.FromSeconds(Math.Max(5, 0.02 * Math.Max(0, toGo.TotalSeconds)));

    private List<byte[]> Describe(long previous, long pass, Dictionary<string, string> members, Dictionary<string, (ServiceView View, byte[] Json)> services)
    {
        var json = new System.Text.StringBuilder();
        json.Append("{\"base\":").Append(previous).Append(",\"pass\":").Append(pass).Append(",\"set\":{");
        var first = true;
        foreach (var (key, value) in members)
        {
            if (_members.TryGetValue(key, out var before) && before == value)
            {
                continue;
            }

            json.Append(first ? "" : ",").Append(JsonSerializer.Serialize(key)).Append(':').Append(value);
            first = false;
        }

        json.Append("},\"services\":[");
        var parts = new List<byte[]> { Encoding.UTF8.GetBytes(json.ToString()) };
        first = true;
        foreach (var (name, (_, value)) in services)
        {
            if (_services.TryGetValue(name, out var before) && (ReferenceEquals(before.Json, value) || before.Json.AsSpan().SequenceEqual(value)))
            {
                continue;
            }

            if (!first)
            {
                parts.Add(Comma);
            }

            parts.Add(value);
            first = false;
        }

        parts.Add(End);
        return parts;
    }
}
