using Microsoft.Data.Sqlite;
using PostFleet.Core.Model;

namespace PostFleet.InProcess.Tests;

/// <summary>
/// A restarted daemon subscribes to the node's events again and is sent its last ≤ 100 again (AdminService.EventsStream
/// replays its buffer on every subscribe): what the earlier daemon reported is not reported twice.
/// </summary>
public sealed class DaemonRestartTests
{
    [Fact]
    public async Task A_restarted_daemon_records_and_reports_each_delivery_once()
    {
        await using var fleet = await InProcessFleet.StartAsync();
        await fleet.RunUntilDeliveredAsync(2);
        var before = Deliveries(fleet);
        Assert.NotEmpty(before);

        await fleet.RestartDaemonAsync();
        await fleet.RunForAsync(TimeSpan.FromSeconds(5));
        Assert.Contains(fleet.Passes.Skip(1), p => p.Observation.Events.OfType<NodeEvent.PostCompleted>().Any()); // the replay came
        Assert.Equal(before, Deliveries(fleet));

        await fleet.RunUntilDeliveredAsync(3);
        var after = Deliveries(fleet);
        Assert.All(after, d => Assert.Equal(1, d.Rows));
        Assert.Equal(before.Count + fleet.Options.Services.Count, after.Count);

        // One node_events row per event the node sent, and one "delivered" report (the console's line) per postComplete.
        var sent = fleet.Node.Events;
        Assert.Equal(sent.Count, Scalar(fleet, "SELECT COUNT(*) FROM node_events"));
        Assert.Equal(0, Scalar(fleet, "SELECT COUNT(*) FROM (SELECT 1 FROM node_events GROUP BY at, kind, smesher, detail HAVING COUNT(*) > 1)"));
        var reported = fleet.Passes.SelectMany(p => p.FirstSeenEvents).OfType<NodeEvent.PostCompleted>().ToList();
        Assert.Equal(sent.OfType<NodeEvent.PostCompleted>().Count(), reported.Count);
        Assert.Equal(reported.Count, reported.Distinct().Count());
    }

    private static List<(string Service, string Challenge, long Rows)> Deliveries(InProcessFleet fleet)
    {
        using var connection = Open(fleet);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT service, challenge, COUNT(*) FROM deliveries GROUP BY service, challenge ORDER BY service, challenge";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return rows;
    }

    private static long Scalar(InProcessFleet fleet, string sql)
    {
        using var connection = Open(fleet);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static SqliteConnection Open(InProcessFleet fleet)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = fleet.Spec.HistoryPath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        return connection;
    }
}
