using Microsoft.Data.Sqlite;
using PostFleet.Core.Runs;
using PostFleet.Testing;

namespace PostFleet.Storage.Tests;

/// <summary>Schema step 2: runs, daemon events, user actions and retention.</summary>
public class ReliabilityHistoryTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_version_1_file_is_upgraded_in_place_and_keeps_its_rows()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("history.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = Migrations.Steps[0] + "; INSERT INTO actions (at, service, action, reason, outcome) VALUES ('2026-01-01T00:00:00.0000000Z', 's1', 'start', '', 'ok'); PRAGMA user_version = 1;";
            command.ExecuteNonQuery();
        }

        using var history = FleetHistory.Open(path);
        Assert.Equal(Migrations.Steps.Length, history.SchemaVersion);
        Assert.Single(history.Actions());
        history.RecordDaemonEvent(T0, "config-rejected", "bad yaml");
        Assert.Equal("config-rejected", Assert.Single(history.DaemonEvents()).What);
    }

    [Fact]
    public void A_run_is_recorded_once_and_each_phase_keeps_its_first_time()
    {
        using var dir = new TempDirectory();
        using var history = FleetHistory.Open(dir.Combine("history.db"));

        history.RecordRunStarted("s1", "42@1", T0, 3);
        history.RecordRunStarted("s1", "42@1", T0.AddSeconds(9), 3);
        history.RecordRunPhase("s1", "42@1", RunPhase.K2Pow, T0.AddSeconds(1));
        history.RecordRunPhase("s1", "42@1", RunPhase.K2Pow, T0.AddSeconds(5));
        history.RecordRunPhase("s1", "42@1", RunPhase.Read, T0.AddSeconds(2));
        history.RecordRunDelivered("s1", "42@1", T0.AddSeconds(3), "ab");
        history.RecordRunEnded("s1", "42@1", T0.AddSeconds(4), 1, "crashed", "Error: boom");

        var run = Assert.Single(history.Runs("s1"));
        Assert.Equal((T0, 3u, T0.AddSeconds(1), T0.AddSeconds(2)), (run.StartedAt, run.PublishEpoch!.Value, run.K2PowAt!.Value, run.ReadAt!.Value));
        Assert.Equal(("ab", 1, "crashed", "Error: boom"), (run.Challenge, run.ExitCode!.Value, run.Outcome, run.StderrTail));
    }

    [Fact]
    public void Prune_removes_rows_older_than_the_cutoff_from_every_table()
    {
        using var dir = new TempDirectory();
        using var history = FleetHistory.Open(dir.Combine("history.db"));
        history.RecordAction(T0, "s1", "start", "", "ok");
        history.RecordDecision(T0, "s1", "Start", "x");
        history.RecordRunStarted("s1", "1", T0, null);
        history.RecordRunPhases("s1", "1", [new RunPhaseSpan(RunPhaseKind.K2Pow, 0, T0, T0.AddSeconds(4), T0.AddSeconds(4), 0, null)]);
        history.RecordUserAction(T0, "pause", "s1");
        history.RecordAction(T0.AddDays(40), "s1", "stop", "", "ok");

        Assert.Equal(5, history.Prune(T0.AddDays(30)));
        Assert.Single(history.Actions());
        Assert.Empty(history.Runs());
        Assert.Empty(history.Reader.Read(h => h.RunPhases("s1", ["1"])));
    }

    [Fact]
    public void A_runs_phases_are_written_from_where_they_changed_and_read_back_in_order()
    {
        using var dir = new TempDirectory();
        using var history = FleetHistory.Open(dir.Combine("history.db"));
        var k2pow = new RunPhaseSpan(RunPhaseKind.K2Pow, 0, T0, T0.AddSeconds(4), T0.AddSeconds(4), 0, null);
        var reading = new RunPhaseSpan(RunPhaseKind.Read, 0, T0.AddSeconds(4), null, T0.AddSeconds(6), 200, 100);
        history.RecordRunStarted("s1", "7", T0, 2);
        history.RecordRunPhases("s1", "7", [k2pow, reading]);
        history.Flush();

        // The read ends: only the last phase is written again; the open one becomes closed, not a second row.
        var ended = reading with { End = T0.AddSeconds(9), Seen = T0.AddSeconds(9), Bytes = 500 };
        history.RecordRunPhases("s1", "7", [k2pow, ended], from: 1);
        history.Flush();

        var phases = Assert.Single(history.Reader.Read(h => h.RunPhases("s1", ["7", "8"]))).Value;
        Assert.Equal([RunPhaseKind.K2Pow, RunPhaseKind.Read], phases.Select(p => p.Kind));
        Assert.Equal((T0.AddSeconds(4), T0.AddSeconds(9), 500UL, 100.0), (phases[1].Start, phases[1].End!.Value, phases[1].Bytes, phases[1].Rate!.Value));
        Assert.Equal(k2pow.End, phases[0].End);
    }
}
