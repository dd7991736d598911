using PostFleet.Testing;

namespace PostFleet.Storage.Tests;

public class FleetHistoryTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");

    [Fact]
    public void A_new_file_is_migrated_and_reopening_keeps_rows_and_version()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("state", "history.db");

        using (var history = FleetHistory.Open(path))
        {
            Assert.Equal(Migrations.Steps.Length, history.SchemaVersion);
            history.RecordAction(T0, "diskA_post1", "start", "node PROVING", "ok");
        }

        using var reopened = FleetHistory.Open(path);
        Assert.Equal(Migrations.Steps.Length, reopened.SchemaVersion);
        var action = Assert.Single(reopened.Actions());
        Assert.Equal("diskA_post1", action.Service);
        Assert.Equal(T0, action.At);
        Assert.Equal("node PROVING -> ok", action.Detail);
    }

    [Fact]
    public void Repeated_decisions_are_stored_once_and_changes_are_kept_in_order()
    {
        using var dir = new TempDirectory();
        using var history = FleetHistory.Open(dir.Combine("history.db"));

        Assert.True(history.RecordDecision(T0, "s1", "waiting-disk", "disk busy"));
        Assert.False(history.RecordDecision(T0.AddSeconds(1), "s1", "waiting-disk", "disk busy"));
        Assert.True(history.RecordDecision(T0.AddSeconds(2), "s1", "started", "disk free"));
        Assert.True(history.RecordDecision(T0.AddSeconds(2), "s2", "waiting-disk", "disk busy"));

        var s1 = history.Decisions("s1");
        Assert.Equal(["started", "waiting-disk"], s1.Select(r => r.What));
        Assert.Equal(3, history.Decisions().Count);
    }

    [Fact]
    public void A_database_from_a_newer_version_is_refused_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("history.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<InvalidOperationException>(() => FleetHistory.Open(path));
        Assert.Contains("schema version 99", error.Message);
    }
}

public class DeliveryHistoryTests
{
    [Fact]
    public void Last_delivered_epoch_is_the_highest_per_service()
    {
        using var dir = new TempDirectory();
        using var history = FleetHistory.Open(dir.Combine("history.db"));
        var at = DateTimeOffset.Parse("2026-01-01T00:00:00Z");

        history.RecordDelivery(at, "a", 2, "00");
        history.RecordDelivery(at, "a", 3, "01");
        history.RecordDelivery(at, "b", 2, "00");

        var last = history.LastDeliveredEpochs();
        Assert.Equal(3u, last["a"]);
        Assert.Equal(2u, last["b"]);
        Assert.False(last.ContainsKey("c"));
    }
}
