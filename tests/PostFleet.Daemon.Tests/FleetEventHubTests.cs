using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Api;

namespace PostFleet.Daemon.Tests;

/// <summary>The hub's pace: at most one view per interval, the newest sent when it is up, changes told against what was sent.</summary>
public sealed class FleetEventHubTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 4, 0, 0, TimeSpan.Zero));
    private readonly FakeFleetControl _control;
    private readonly AlertMonitor _alerts;
    private readonly FleetEventHub _hub;

    public FleetEventHubTests()
    {
        _control = new FakeFleetControl(DemoFleet.Build(_time.GetUtcNow()));
        _alerts = new AlertMonitor(_control, new AlertEvaluator(new AlertRules()), null, _time, NullLogger.Instance);
        _hub = new FleetEventHub(_control, _alerts, _time, Interval);
    }

    [Fact]
    public void Views_go_out_at_most_once_an_interval_and_the_newest_held_one_when_it_is_up()
    {
        using var dashboard = _hub.Subscribe(changes: true);
        var first = Assert.Single(Fleet(dashboard), m => m.Event == "fleet");

        var p1 = Change("diskA_post1", "k2pow");
        Assert.Equal([("fleet-changes", p1.Pass, first.Pass)], Passes(Fleet(dashboard)));

        // Two more within the interval: held, and only the newer one is sent, with both changes, against p1.
        Change("diskB_post1", "k2pow");
        var p3 = Change("diskC_post1", "k2pow");
        Assert.Empty(Fleet(dashboard));
        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Empty(Fleet(dashboard));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var held = Assert.Single(Fleet(dashboard));
        Assert.Equal([("fleet-changes", p3.Pass, p1.Pass)], Passes([held]));
        Assert.Equal(["diskB_post1", "diskC_post1"], Services(held));

        // Nothing new: the timer sends nothing more.
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(Fleet(dashboard));
    }

    [Fact]
    public void A_new_stream_starts_from_the_last_view_sent_so_the_changes_after_it_apply()
    {
        using var dashboard = _hub.Subscribe(changes: true);
        Fleet(dashboard);
        var sent = Change("diskA_post1", "k2pow");
        Assert.Single(Fleet(dashboard));
        var held = Change("diskB_post1", "k2pow");

        using var late = _hub.Subscribe(changes: true);
        var whole = Assert.Single(Fleet(late), m => m.Event == "fleet");
        Assert.Equal(sent.Pass, whole.Pass);

        _time.Advance(Interval);
        foreach (var stream in new[] { dashboard, late })
        {
            var changes = Assert.Single(Fleet(stream));
            Assert.Equal([("fleet-changes", held.Pass, sent.Pass)], Passes([changes]));
            Assert.Equal(["diskB_post1"], Services(changes));
        }
    }

    [Fact]
    public void Views_nobody_receives_are_not_diffed_and_the_next_stream_still_gets_changes_against_its_whole_view()
    {
        // No stream: views pass by unsent (nothing to tell changes to).
        Change("diskA_post1", "k2pow");
        _time.Advance(Interval);
        var last = Change("diskB_post1", "k2pow");

        using var dashboard = _hub.Subscribe(changes: true);
        var whole = Assert.Single(Fleet(dashboard), m => m.Event == "fleet");
        Assert.Equal(last.Pass, whole.Pass);

        _time.Advance(Interval);
        var next = Change("diskC_post1", "reading");
        var changes = Assert.Single(Fleet(dashboard));
        Assert.Equal([("fleet-changes", next.Pass, last.Pass)], Passes([changes]));
        Assert.Equal(["diskC_post1"], Services(changes));
    }

    [Fact]
    public void A_whole_view_stream_gets_the_newest_view_whole_at_the_same_pace()
    {
        using var whole = _hub.Subscribe();
        Fleet(whole);
        var p1 = Change("diskA_post1", "k2pow");
        var p2 = Change("diskB_post1", "k2pow");
        _time.Advance(Interval);
        Assert.Equal([("fleet", p1.Pass, null), ("fleet", p2.Pass, null)], Passes(Fleet(whole)));
    }

    [Fact]
    public void Streams_of_both_kinds_at_once_each_get_their_own_message_for_the_same_view()
    {
        using var whole = _hub.Subscribe();
        using var dashboard = _hub.Subscribe(changes: true);
        var first = Assert.Single(Fleet(dashboard), m => m.Event == "fleet");
        Fleet(whole);

        var p1 = Change("diskA_post1", "k2pow");
        Assert.Equal([("fleet", p1.Pass, null)], Passes(Fleet(whole)));
        Assert.Equal([("fleet-changes", p1.Pass, first.Pass)], Passes(Fleet(dashboard)));
    }

    private FleetView Change(string service, string state) => _control.Change(service, s => s with { Phase = state, DagState = state });

    /// <summary>The fleet messages queued on a stream so far (alerts left out), read off it.</summary>
    private static List<(string Event, long Pass, JsonElement Data)> Fleet(FleetEventHub.Subscription subscription)
    {
        var messages = new List<(string, long, JsonElement)>();
        while (subscription.Messages.TryRead(out var bytes))
        {
            var lines = Encoding.UTF8.GetString(bytes).Split('\n');
            var name = lines[0]["event: ".Length..];
            if (name == "alerts")
            {
                continue;
            }

            var data = JsonDocument.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..]).RootElement;
            messages.Add((name, data.GetProperty("pass").GetInt64(), data));
        }

        return messages;
    }

    private static List<(string Event, long Pass, long? Base)> Passes(IEnumerable<(string Event, long Pass, JsonElement Data)> messages) =>
        [.. messages.Select(m => (m.Event, m.Pass, m.Data.TryGetProperty("base", out var b) ? b.GetInt64() : (long?)null))];

    private static List<string> Services((string Event, long Pass, JsonElement Data) changes) =>
        [.. changes.Data.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];

    public async ValueTask DisposeAsync()
    {
        _hub.Dispose();
        await _alerts.DisposeAsync();
    }
}
