using System.Globalization;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Client;
using PostFleet.Storage;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// A disk far too slow for the cycle gap: the real daemon predicts the miss from the read it watches (and the
/// service waiting behind it on the same disk) and raises the predicted-miss alert while the gap is still open.
/// </summary>
public sealed class PredictedMissTests
{
    [Fact]
    public async Task A_read_that_cannot_end_before_the_deadline_raises_the_predicted_miss_alert_in_time()
    {
        // Scale 20: the gap is open 21 s and the deadline is 15 s after it closes.
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { TimeScale = 20, Services = [("a1", "diskA"), ("a2", "diskA")], NoProgressTimeout = "10m" });
        // Initialised at the fixture's speed; from now on diskA reads 300 B/s: one 32 KiB read takes ~110 s.
        File.WriteAllText(Path.Combine(fleet.Root, "disks", "diskA", "postfleet-sim-disk.json"),
            """{ "readBytesPerSecond": 300, "writeBytesPerSecond": 1048576, "concurrencyPenalty": 0.25 }""");
        var web = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        await fleet.StartNodeAsync();
        fleet.StartDaemon("--listen", web.ToString());
        var client = DaemonApiClient.For(web);

        Alert? a1 = null;
        FleetView? view = null;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                a1 = (await client.GetAlertsAsync()).Open.FirstOrDefault(a => a.Kind == "predicted-miss" && a.Service == "a1");
                view = a1 is null ? null : await client.GetFleetAsync();
                return a1 is not null;
            }
            catch (DaemonApiException)
            {
                return false; // not listening yet, or no pass yet
            }
        }, "a predicted-miss alert for a1; " + fleet.Describe(), TimeSpan.FromSeconds(180));

        var gap = view!.Network!.CycleGap;
        Assert.Equal($"predicted-miss:a1:{gap.PublishEpoch}", a1!.Key);
        Assert.True(a1.Since < gap.ProofDeadline, $"raised at {a1.Since:O}, deadline {gap.ProofDeadline:O}");
        var a1View = view.Services.Single(s => s.Name == "a1");
        Assert.Equal("reading", a1View.DagState);
        Assert.True(a1View.EstimatedFinish > gap.ProofDeadline, $"a1 estimated {a1View.EstimatedFinish:O}");
        Assert.Contains("after the proof deadline", a1.Summary, StringComparison.Ordinal);

        // a2 waits for the disk behind a1: its estimate queues behind a1's read, so it is predicted to miss as well.
        var a2View = view.Services.Single(s => s.Name == "a2");
        Assert.Equal("waiting", a2View.DagState);
        Assert.True(a2View.EstimatedFinish > a1View.EstimatedFinish, $"a2 estimated {a2View.EstimatedFinish:O}, a1 {a1View.EstimatedFinish:O}");
        Assert.Contains((await client.GetAlertsAsync()).Open, a => a.Key == $"predicted-miss:a2:{gap.PublishEpoch}");
    }
}

/// <summary>
/// What the planner learned (k2pow time, read rate) is stored in the history and is the prior of the next
/// daemon: after a restart the forecast is "measured" at once, with the same numbers, and `postfleet plan` agrees.
/// </summary>
public sealed class LearnedEstimatesRestartTests
{
    [Fact]
    public async Task A_restarted_daemon_forecasts_with_the_estimates_it_learned_before()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA")] });
        await fleet.StartNodeAsync();
        fleet.StartDaemon("--listen", $"http://127.0.0.1:{FreePorts.Next()}");
        await fleet.WaitForDeliveriesAsync(["a1"], 1);
        await Eventually.UntilAsync(() => fleet.History("SELECT kind FROM estimates").Count == 2, "a k2pow time and a read rate in the history; " + fleet.Describe());

        // Stop everything that could learn more, so the numbers compared below cannot move.
        fleet.Daemon!.Signal(Posix.SigTerm);
        Assert.Equal(0, await fleet.Daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        await fleet.Node!.DisposeAsync();
        var stored = FleetHistory.ReadEstimates(fleet.HistoryPath);
        var k2pow = stored.K2PowOf("a1")!.Value.TotalSeconds;
        var readSeconds = 2 * 1024 * 16 / stored.ReadRateOf("diskA")!.Value; // 2 units × 1024 labels × 16 B

        await using (var plan = ChildProcess.StartPostfleet(["plan", "-c", fleet.FleetConfig], fleet.Root))
        {
            Assert.Contains(await plan.WaitForExitAsync(TimeSpan.FromSeconds(60)), new[] { 0, 3 });
            Assert.Contains("learned (", plan.StandardOutput, StringComparison.Ordinal);
            var row = plan.StandardOutput.Split('\n').Single(l => l.StartsWith("a1 ", StringComparison.Ordinal));
            Assert.False(row.TrimEnd().EndsWith('*'), "plan marks a1 as assumed: " + row);
        }

        // The node stays down: the new daemon starts nothing and measures nothing; what it knows came from the file.
        var web = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        fleet.StartDaemon("--listen", web.ToString());
        var client = DaemonApiClient.For(web);
        ForecastView? forecast = null;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                forecast = await client.GetForecastAsync();
                return true;
            }
            catch (DaemonApiException)
            {
                return false;
            }
        }, "the restarted daemon's forecast; " + fleet.Describe(), TimeSpan.FromSeconds(60));

        var a1 = Assert.Single(forecast!.Rows);
        Assert.Equal("measured", a1.Source);
        Assert.Equal(k2pow, a1.ReadStartSeconds - a1.K2PowStartSeconds, 3);
        Assert.Equal(readSeconds, a1.EndSeconds - a1.ReadStartSeconds, 3);
        Assert.Contains(fleet.History("SELECT kind, value FROM estimates"), r => r["kind"] == "k2pow-seconds" && double.Parse(r["value"]!, CultureInfo.InvariantCulture) > 0);
    }
}
