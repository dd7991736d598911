using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Core.Runs;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web;
using PostFleet.Daemon.Web.Client;

namespace PostFleet.InProcess.Tests;

/// <summary>
/// The run journal over real HTTP: a whole epoch through the real loop, then GET /api/v1/services/{name}/runs from
/// the daemon's own web host on a loopback port. Its phases are the ones the planner learned from: the served k2pow
/// time and read rate are the planner's memory, not a second measurement.
/// </summary>
public sealed class RunJournalApiTests
{
    [Fact]
    public async Task Served_runs_carry_each_pass_phases_with_the_planners_k2pow_time_and_read_rate()
    {
        await using var fleet = await InProcessFleet.StartAsync();
        await fleet.RunUntilDeliveredAsync(1);
        await using var host = await DaemonWebHost.StartAsync(fleet.Daemon.Control, new WebOptions { Listen = "http://127.0.0.1:0" }, NullLoggerFactory.Instance, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(30) };
        var client = new DaemonApiClient(http);

        foreach (var (name, _) in fleet.Options.Services)
        {
            var journal = await client.GetRunsAsync(name);
            Assert.Equal(name, journal.Service);
            var run = Assert.Single(journal.Runs); // one run in the first epoch
            Assert.Equal(fleet.RunsOf(name).Single().InstanceId, run.InstanceId);
            Assert.NotNull(run.DeliveredAt);
            Assert.True(run.Phases.Count >= 2, $"{name}: {run.Phases.Count} phases");
            Assert.Equal("k2pow", run.Phases[0].Kind);
            // The first k2pow starts at the run's first /status answer (its start-up before that is not k2pow).
            Assert.Equal(fleet.Passes[^1].Plan.Next.For(name).K2PowSeenAt ?? run.StartedAt, run.Phases[0].Start);
            Assert.True(run.Phases[0].Start >= run.StartedAt);
            for (var i = 0; i < run.Phases.Count; i++)
            {
                Assert.Equal(i % 2 == 0 ? "k2pow" : "read", run.Phases[i].Kind);
                Assert.NotNull(run.Phases[i].End);
                Assert.True(run.Phases[i].End >= run.Phases[i].Start);
                Assert.Equal((run.Phases[i].End!.Value - run.Phases[i].Start).TotalSeconds, run.Phases[i].Seconds, 6);
            }

            var reads = run.Phases.Where(p => p.Kind == "read").ToList();
            Assert.All(reads, r => Assert.True(r.Bytes > 0 && r.Rate > 0, $"{name}: read of {r.Bytes} bytes at {r.Rate}"));

            // One model: the view's k2pow seconds and read rate are the planner's memory, and the journal shows the same passes.
            var memory = fleet.Passes[^1].Plan.Next.For(name);
            var lastK2Pow = run.Phases.Last(p => p.Kind == "k2pow");
            Assert.Equal(memory.LastK2Pow!.Value.TotalSeconds, lastK2Pow.Seconds, 6);
            Assert.Equal(memory.LastReadRate!.Value, reads[^1].Rate!.Value, 6);
            var service = await client.GetServiceAsync(name);
            Assert.Equal(memory.LastK2Pow!.Value.TotalSeconds, service.K2PowSeconds!.Value, 6);
            Assert.Equal((run.DeliveredAt!.Value - run.StartedAt).TotalSeconds, service.LastProofSeconds!.Value, 6);
        }

        // The history keeps what the API served: the same phases read back from the file.
        var stored = fleet.History.Reader.Read(h => h.RunPhases("a1", [.. h.Runs("a1").Select(r => r.InstanceId)]));
        Assert.Equal(Assert.Single((await client.GetRunsAsync("a1")).Runs).Phases.Count, Assert.Single(stored).Value.Count);
        Assert.Equal(RunPhaseKind.K2Pow, Assert.Single(stored).Value[0].Kind);

        // Bad input answers like every other endpoint: JSON errors that say what is wrong.
        using var unknown = await http.GetAsync("/api/v1/services/nope/runs");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("unknown service 'nope'", JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        using var badLimit = await http.GetAsync("/api/v1/services/a1/runs?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Contains("limit must be a whole number from 1 to 1000", await badLimit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_live_run_is_served_with_its_open_phase_before_the_journal_has_it_ended()
    {
        await using var fleet = await InProcessFleet.StartAsync();
        await fleet.RunUntilAsync(() => fleet.Passes.Count > 0 && fleet.Passes[^1].Runs.LiveRun("a1")?.OpenPhase is { Kind: RunPhaseKind.Read, Bytes: > 0 }, "a1 reading", InProcessFleet.Clock.EpochDuration * 2);
        var journal = fleet.Daemon.Control.Runs("a1", 5)!;
        var run = Assert.Single(journal.Runs);
        Assert.Null(run.EndedAt);
        Assert.Null(run.Outcome);
        Assert.Equal("read", run.Phases[^1].Kind);
        Assert.Null(run.Phases[^1].End);
        Assert.True(run.Phases[^1].Bytes > 0);
        Assert.Equal(fleet.Daemon.Control.Current!.Services.Single(s => s.Name == "a1").ReadRate, run.Phases[^1].Rate);
    }
}
