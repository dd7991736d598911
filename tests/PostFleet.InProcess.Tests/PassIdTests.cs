using Microsoft.Data.Sqlite;

namespace PostFleet.InProcess.Tests;

/// <summary>The pass id: the same on a pass's report (view, event stream) and on every history row it wrote; unique across restarts.</summary>
public sealed class PassIdTests
{
    [Fact]
    public async Task Every_row_a_pass_writes_carries_its_id_and_a_restarted_daemon_goes_on_from_the_last()
    {
        var kept = Path.Combine(Path.GetTempPath(), $"pf-fast-history-{Guid.NewGuid():N}.db");
        try
        {
            await using (var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions { Services = [("a1", "diskA")] }))
            {
                await fleet.RunUntilDeliveredAsync(1);
                var passes = fleet.Passes;
                Assert.Equal(Enumerable.Range(1, passes.Count).Select(i => (long)i), passes.Select(p => p.Number));

                // The start is stamped with the pass that decided it; every decision, node event and delivery with its pass.
                var started = passes.Single(p => p.Outcomes.Any(o => o.Action is Core.Planning.PlannedAction.StartService));
                Assert.Equal([started.Number], Rows(fleet.Spec.HistoryPath, "SELECT pass FROM actions WHERE action = 'StartService'"));
                var stamped = Rows(fleet.Spec.HistoryPath, "SELECT pass FROM decisions UNION ALL SELECT pass FROM node_events UNION ALL SELECT pass FROM deliveries");
                Assert.NotEmpty(stamped);
                Assert.All(stamped, p => Assert.InRange(p ?? 0, 1, passes[^1].Number));
                Rows(fleet.Spec.HistoryPath, $"VACUUM INTO '{kept}'"); // a consistent copy of the live (WAL) file
            }

            var before = Rows(kept, "SELECT MAX(pass) FROM actions UNION ALL SELECT MAX(pass) FROM decisions").Max();
            await using var restarted = await InProcessFleet.StartAsync(new InProcessFleetOptions { Services = [("a1", "diskA")], HistoryFrom = kept });
            Assert.Equal(before + 1, restarted.Passes[0].Number);
        }
        finally
        {
            File.Delete(kept);
        }
    }
    [Fact]
    public async Task A_line_logged_during_a_pass_names_the_pass()
    {
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions
        {
            Services = [("a1", "diskA")],
            Faults = new Dictionary<string, Fakes.ServiceFault> { ["a1"] = Fakes.ServiceFault.CrashInRead },
        });
        await fleet.RunUntilDeliveredAsync(1);

        // The run journal's warning about the crash, logged by the pass that first saw the run ended.
        var crash = Assert.Single(fleet.Logs.Lines, l => l.Message.StartsWith("a1 exited by itself", StringComparison.Ordinal));
        var saw = fleet.Passes.First(p => p.Observation.Runs.Any(r => r.ServiceName == "a1" && !r.Running));
        Assert.Equal($"pass {saw.Number}", crash.Scopes);
    }

    private static List<long?> Rows(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<long?>();
        while (reader.Read())
        {
            rows.Add(reader.IsDBNull(0) ? null : reader.GetInt64(0));
        }

        return rows;
    }
}
