using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using PostFleet.Core.Planning;
using PostFleet.Testing;

namespace PostFleet.Storage.Tests;

public class EstimatesHistoryTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");

    private static ProvingEstimates Estimates(params (string Name, double Value, bool Disk)[] values) => new(
        values.Where(v => !v.Disk).ToImmutableDictionary(v => v.Name, v => TimeSpan.FromSeconds(v.Value), StringComparer.Ordinal),
        values.Where(v => v.Disk).ToImmutableDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal));

    [Fact]
    public void Estimates_survive_reopening_the_file_and_only_changes_are_written()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("state", "history.db");
        using (var history = FleetHistory.Open(path))
        {
            Assert.Empty(history.Estimates().K2Pow);
            Assert.Equal(3, history.RecordEstimates(T0, Estimates(("a1", 12.5, false), ("a2", 40, false), ("diskA", 150e6, true))));
            Assert.Equal(0, history.RecordEstimates(T0.AddMinutes(1), Estimates(("a1", 12.5, false), ("diskA", 150e6, true))));
            Assert.Equal(1, history.RecordEstimates(T0.AddMinutes(2), Estimates(("a1", 13, false), ("a2", 40, false), ("diskA", 150e6, true))));
        }

        using var reopened = FleetHistory.Open(path);
        var stored = reopened.Estimates();
        Assert.Equal(TimeSpan.FromSeconds(13), stored.K2PowOf("a1"));
        Assert.Equal(TimeSpan.FromSeconds(40), stored.K2PowOf("a2"));
        Assert.Equal(150e6, stored.ReadRateOf("diskA"));
        Assert.Null(stored.ReadRateOf("diskB"));
    }

    [Fact]
    public void The_learned_start_up_survives_reopening_per_disk_and_is_written_only_when_it_changes()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("history.db");
        var learned = Estimates(("a1", 40, false)) with { Startup = ImmutableDictionary<string, double>.Empty.Add("diskA", 92.5) };
        using (var history = FleetHistory.Open(path))
        {
            Assert.Equal(2, history.RecordEstimates(T0, learned));
            Assert.Equal(0, history.RecordEstimates(T0.AddMinutes(1), learned));
            Assert.Equal(1, history.RecordEstimates(T0.AddMinutes(2), learned with { Startup = learned.Startup.SetItem("diskA", 70) }));
        }

        var stored = FleetHistory.ReadEstimates(path);
        Assert.Equal(70, stored.Startup["diskA"]);
        Assert.Equal(TimeSpan.FromSeconds(40), stored.K2PowOf("a1")); // the k2pow alone, as learned since start-up is apart
    }

    [Fact]
    public void The_learned_two_reader_penalty_survives_reopening_and_is_written_only_when_it_changes()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("history.db");
        var learned = Estimates(("diskA", 150e6, true)) with { TwoReaderPenalty = ImmutableDictionary<string, double>.Empty.Add("diskA", 0.93).Add("diskB", 0) };
        using (var history = FleetHistory.Open(path))
        {
            Assert.Equal(3, history.RecordEstimates(T0, learned));
            Assert.Equal(0, history.RecordEstimates(T0.AddMinutes(1), learned));
            Assert.Equal(1, history.RecordEstimates(T0.AddMinutes(2), learned with { TwoReaderPenalty = learned.TwoReaderPenalty.SetItem("diskA", 1.05) }));
        }

        var stored = FleetHistory.ReadEstimates(path);
        Assert.Equal(1.05, stored.TwoReaderPenaltyOf("diskA"));
        Assert.Equal(0, stored.TwoReaderPenaltyOf("diskB"));
        Assert.Equal(ProvingEstimates.AssumedTwoReaderPenalty, stored.TwoReaderPenaltyOf("diskC"));
        Assert.Equal(150e6, stored.ReadRateOf("diskA"));
    }

    [Fact]
    public void Reading_estimates_read_only_sees_a_running_daemons_file_and_nothing_where_there_is_no_file()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("history.db");
        Assert.Empty(FleetHistory.ReadEstimates(path).K2Pow);
        Assert.False(File.Exists(path));

        using var history = FleetHistory.Open(path);
        history.RecordEstimates(T0, Estimates(("a1", 12.5, false), ("diskA", 150e6, true)));
        Assert.Empty(FleetHistory.ReadEstimates(path).K2Pow); // queued: the loop flushes at the end of its pass
        Assert.True(history.Flush());

        var read = FleetHistory.ReadEstimates(path);
        Assert.Equal(TimeSpan.FromSeconds(12.5), read.K2PowOf("a1"));
        Assert.Equal(150e6, read.ReadRateOf("diskA"));
    }

    [Fact]
    public void A_version_2_file_keeps_its_rows_when_migrated_and_has_no_estimates_before()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("history.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            foreach (var sql in new[] { Migrations.Steps[0], Migrations.Steps[1], "PRAGMA user_version = 2" })
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }

            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO actions (at, service, action, reason, outcome) VALUES ('2025-12-31T00:00:00.0000000Z', 'a1', 'StartService', '', 'ok');"
                + "INSERT INTO runs (service, instance_id, started_at) VALUES ('a1', 'pid:1', '2025-12-31T00:00:00.0000000Z')";
            insert.ExecuteNonQuery();
        }

        // Read-only: a version 2 file has no estimates and is left as it is.
        Assert.Empty(FleetHistory.ReadEstimates(path).K2Pow);

        using var history = FleetHistory.Open(path);
        Assert.Equal(Migrations.Steps.Length, history.SchemaVersion);
        Assert.Equal("a1", Assert.Single(history.Actions()).Service);
        Assert.Equal("pid:1", Assert.Single(history.Runs()).InstanceId);
        Assert.Empty(history.Estimates().K2Pow);
        history.RecordEstimates(T0, Estimates(("a1", 7, false)));
        Assert.Equal(TimeSpan.FromSeconds(7), history.Estimates().K2PowOf("a1"));
    }
}
