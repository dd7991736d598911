using Microsoft.Extensions.Time.Testing;
using PostFleet.Testing;

namespace PostFleet.Storage.Tests;

/// <summary>
/// A history file that takes no writes (SQLite's own SQLITE_FULL, through max_page_count): nothing throws, the
/// rows wait in memory, the fault is reported, and everything waiting is written once the file takes writes again.
/// </summary>
public class HistoryFaultTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_full_file_keeps_the_rows_reports_the_fault_and_writes_them_all_when_it_has_room_again()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(T0);
        using var history = FleetHistory.Open(dir.Combine("history.db"), time);
        history.RecordAction(T0, "s1", "StartService", "", "before");
        Assert.True(history.Flush());
        Assert.Equal(T0, history.Health.LastWrite);

        history.LimitPages(history.PageCount);
        var written = 1;
        var detail = new string('x', 2000); // a few rows per page: the file needs a new page within a few passes
        while (history.Flush())
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(written < 1000, "the file never filled up");
            history.RecordAction(T0.AddSeconds(written), "s1", "StartService", detail, $"row {written++}");
        }

        var fault = history.Health;
        Assert.True(fault.Faulted);
        Assert.Contains("full", fault.Fault, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("history.db", fault.Fault, StringComparison.Ordinal);
        Assert.Equal(time.GetUtcNow(), fault.FaultSince);
        Assert.True(fault.RowsPending > 0);

        // More passes while full: still nothing thrown, rows keep waiting, readers still read what was written.
        time.Advance(TimeSpan.FromSeconds(1));
        history.RecordDecision(T0, "s1", "Waiting", "still full");
        Assert.False(history.Flush());
        Assert.Equal(fault.FaultSince, history.Health.FaultSince);
        Assert.Equal(fault.RowsPending + 1, history.Health.RowsPending);
        var before = history.Reader.Read(h => h.Actions(limit: 10_000).Count);
        Assert.True(before >= 1);

        history.LimitPages(1_000_000);
        Assert.True(history.Flush());
        Assert.False(history.Health.Faulted);
        Assert.Equal(time.GetUtcNow(), history.Health.LastWrite);
        Assert.Equal(0, history.Health.RowsLost);
        Assert.Equal(0, history.Health.RowsPending);
        var actions = history.Reader.Read(h => h.Actions(limit: 10_000));
        Assert.Equal(written, actions.Count);
        Assert.Equal(Enumerable.Range(1, written - 1).Select(i => $"row {i}").Prepend("before"), actions.Reverse().Select(a => a.Detail.Split(" -> ")[1]));
        Assert.Equal("still full", Assert.Single(history.Reader.Read(h => h.Decisions())).Detail);
    }

    [Fact]
    public void Rows_beyond_the_limit_kept_in_memory_are_counted_lost_oldest_first()
    {
        using var dir = new TempDirectory();
        using var history = FleetHistory.Open(dir.Combine("history.db"));
        history.LimitPages(history.PageCount);
        for (var i = 0; i < FleetHistory.MaxPendingRows + 5; i++)
        {
            history.RecordNodeEvent(T0.AddSeconds(i), "PostStarted", null, $"event {i} {new string('x', 500)}");
        }

        Assert.False(history.Flush());
        Assert.Equal(5, history.Health.RowsLost);
        Assert.Equal(FleetHistory.MaxPendingRows, history.Health.RowsPending);

        history.LimitPages(1_000_000);
        Assert.True(history.Flush());
        var events = history.Reader.Read(h => h.NodeEvents(limit: 100_000));
        Assert.Equal(FleetHistory.MaxPendingRows, events.Count);
        Assert.StartsWith("event 5 ", events[^1].Detail, StringComparison.Ordinal);
        Assert.Equal(5, history.Health.RowsLost);
    }

    [Fact]
    public void A_row_sqlite_refuses_for_its_content_is_dropped_and_counted_not_retried_forever()
    {
        using var dir = new TempDirectory();
        using var history = FleetHistory.Open(dir.Combine("history.db"));
        history.RecordAction(T0, "s1", "StartService", "", "ok");
        history.RecordAction(T0, "s1", null!, "", "refused: action is NOT NULL");
        history.RecordAction(T0, "s1", "StopService", "", "ok");

        Assert.True(history.Flush());
        Assert.False(history.Health.Faulted);
        Assert.Equal(1, history.Health.RowsLost);
        Assert.Equal(["StopService", "StartService"], history.Reader.Read(h => h.Actions()).Select(a => a.What));
    }
}
