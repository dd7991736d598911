using Microsoft.Extensions.Time.Testing;
using PostFleet.Testing;

namespace PostFleet.Storage.Tests;

/// <summary>The history's writer never copies its WAL into the file; the checkpointer's timer does.</summary>
public sealed class WalCheckpointTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_writer_leaves_the_wal_to_the_checkpointer_whose_timer_copies_it()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("history.db");
        var time = new FakeTimeProvider(T0);
        using var history = FleetHistory.Open(path, time);
        var empty = new FileInfo(path).Length;

        // Far more than SQLite's own checkpoint threshold (1,000 pages of 4 KiB) written in many commits.
        var message = new string('x', 2000);
        for (var pass = 0; pass < 60; pass++)
        {
            for (var i = 0; i < 100; i++)
            {
                history.RecordAction(T0, $"s{i}", "start", message, pass.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            history.Flush();
        }

        Assert.True(new FileInfo(path + "-wal").Length > 4096L * 1000, "the WAL holds the rows");
        Assert.Equal(empty, new FileInfo(path).Length);
        Assert.Equal(0, history.Checkpoints);

        time.Advance(WalCheckpointer.Interval);
        Assert.Equal(1, history.Checkpoints);
        Assert.True(new FileInfo(path).Length > 4096L * 1000, "the checkpoint copied the rows into the file");
        Assert.Equal(6000, history.Actions(limit: 10_000).Count);
    }
}
