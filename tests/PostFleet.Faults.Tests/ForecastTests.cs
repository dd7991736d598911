using System.Globalization;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Client;
using PostFleet.Storage;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// A disk far too slow for the cycle gap: the real daemon predicts the miss from the read it watches (and the
/// service waiting behind it on the same disk), raises the predicted-miss alert while the gap is still open, and
/// keeps it until the deadline.
/// </summary>
public sealed class PredictedMissTests
{
    [Fact]
    public async Task A_read_that_cannot_end_before_the_deadline_raises_the_predicted_miss_alert_in_time()
    {
        // Scale 20: a gap is open 21 s and its deadline is 15 s after it closes.
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { TimeScale = 20, Services = [("a1", "diskA"), ("a2", "diskA")], NoProgressTimeout = "10m" });
        var web = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        await fleet.StartNodeAsync();
        fleet.StartDaemon("--listen", web.ToString());
        var client = DaemonApiClient.For(web);

        // The initial PoSTs (no deadline) at the fixture's speed; post-services started from now on read diskA at
        // 300 B/s: one 32 KiB read takes ~110 s.
        await fleet.WaitForDeliveriesAsync(["a1", "a2"], 1);

        // Both in one round before the disk slows down. An initial PoST that ends after the first PoET round began (a
        // loaded machine) waits for the next round; and once one of them misses, two identities on one disk take turns
        // for good (a miss costs the next epoch too), so one reading while the other waits would never come.
        var round = await Eventually.UntilAsync(
            () => Task.FromResult(OneRoundOfBoth(fleet, ["a1", "a2"])),
            () => "a1 and a2 to wait for the same PoET round, its gap still to open; " + fleet.Describe(), TimeSpan.FromSeconds(150));
        File.WriteAllText(Path.Combine(fleet.Root, "disks", "diskA", "postfleet-sim-disk.json"),
            """{ "readBytesPerSecond": 300, "writeBytesPerSecond": 1048576, "concurrencyPenalty": 0.25 }""");

        // In that round's gap, whichever of the two the planner starts first reads; the other waits for the disk.
        Alert? missed = null;
        FleetView? view = null;
        var lastLook = "no answer yet";
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                // The alerts first: the view read after them is of their pass or a later one (an alert raised by the
                // pass after the view's would judge estimates the view does not show yet).
                var open = (await client.GetAlertsAsync()).Open;
                view = await client.GetFleetAsync();
                var reader = view.Services.FirstOrDefault(s => s.DagState == "reading");
                lastLook = $"at {view.At:HH:mm:ss.fff} (pass {view.Pass}): gap {view.Network?.CycleGap.PublishEpoch} open {view.Network?.CycleGap.IsOpen}, deadline {view.Network?.CycleGap.ProofDeadline:HH:mm:ss}; "
                    + string.Join(", ", view.Services.Select(s => $"{s.Name} {s.DagState} est. {s.EstimatedFinish:HH:mm:ss}")) + "; open alerts: " + string.Join(", ", open.Select(a => a.Key));
                missed = open.FirstOrDefault(a => view.Network?.CycleGap is { IsOpen: true } gap && a.Key == $"predicted-miss:{reader?.Name}:{gap.PublishEpoch}");
                return missed is not null && reader!.EstimatedFinish > view.Network!.CycleGap.ProofDeadline
                    && view.Services.Any(s => s.Name != reader.Name && s.DagState == "waiting");
            }
            catch (DaemonApiException)
            {
                return false; // not listening yet, or no pass yet
            }
        }, () => $"a predicted-miss alert for the service reading in an open gap, the other waiting; the last look {lastLook}; " + fleet.Describe(), TimeSpan.FromSeconds(300));

        var gap = view!.Network!.CycleGap;
        Assert.Equal(round, gap.PublishEpoch);
        Assert.True(missed!.Since < gap.ProofDeadline, $"raised at {missed.Since:O}, deadline {gap.ProofDeadline:O}");
        Assert.Contains("after the proof deadline", missed.Summary, StringComparison.Ordinal);
        var reading = view.Services.Single(s => s.Name == missed.Service);
        Assert.Equal("reading", reading.DagState);
        Assert.True(reading.EstimatedFinish > gap.ProofDeadline, $"{reading.Name} estimated {reading.EstimatedFinish:O}");

        // The other waits for the disk: its estimate queues behind the slow read, so it is predicted to miss as well.
        var waiting = view.Services.Single(s => s.Name != missed.Service);
        Assert.Equal("waiting", waiting.DagState);
        Assert.True(waiting.EstimatedFinish > reading.EstimatedFinish, $"{waiting.Name} estimated {waiting.EstimatedFinish:O}, {reading.Name} {reading.EstimatedFinish:O}");
        await Eventually.UntilAsync(async () => (await client.GetAlertsAsync()).Open.Any(a => a.Key == $"predicted-miss:{waiting.Name}:{gap.PublishEpoch}"),
            () => "the waiting service's alert; " + fleet.Describe(), TimeSpan.FromSeconds(30));

        // The gap closes 15 s before its deadline; the node still takes its proofs until then, so the alert stays
        // open (against this deadline, not the next gap's) and resolves only once the deadline has passed.
        AlertChange? resolved = null;
        await Eventually.UntilAsync(async () =>
        {
            resolved = (await client.GetAlertsAsync()).Recent.FirstOrDefault(c => c.Resolved && c.Alert.Key == missed.Key);
            return resolved is not null;
        }, () => "the alert to resolve after the deadline; " + fleet.Describe(), TimeSpan.FromSeconds(120));
        Assert.True(resolved!.At >= gap.ProofDeadline, $"resolved at {resolved.At:O}, before the deadline {gap.ProofDeadline:O} (gap closed {gap.Closes:O})");
    }

    /// <summary>
    /// The publish epoch whose PoET proof every named identity waits for (each one's last poet-wait-proof), while its
    /// gap is at least 5 s away; null until then.
    /// </summary>
    private static uint? OneRoundOfBoth(SimFleet fleet, string[] names)
    {
        var waits = names.Select(n => fleet.NodeRecord().LastOrDefault(e => e.Event == "poet-wait-proof" && e.Identity == n)).ToList();
        if (waits.Any(w => w is null))
        {
            return null;
        }

        var epochs = waits.Select(w => w!.Raw.GetProperty("publishEpoch").GetUInt32()).Distinct().ToList();
        var until = waits.Min(w => w!.Raw.GetProperty("until").GetDateTimeOffset());
        return epochs.Count == 1 && until > DateTimeOffset.UtcNow.AddSeconds(5) ? epochs[0] : null;
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
        // A k2pow time and a read rate (and the start-up, learned apart from the k2pow, beside them).
        await Eventually.UntilAsync(
            () => fleet.History("SELECT kind FROM estimates").Select(r => r["kind"]).ToHashSet().IsSupersetOf(["k2pow-seconds", "read-bytes-per-second"]),
            () => "a k2pow time and a read rate in the history; " + fleet.Describe());

        // Stop everything that could learn more, so the numbers compared below cannot move.
        fleet.Daemon!.Signal(Posix.SigTerm);
        Assert.Equal(0, await fleet.Daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        await fleet.Node!.DisposeAsync();
        var stored = FleetHistory.ReadEstimates(fleet.HistoryPath);
        // The forecast's k2pow segment is what a fresh start needs before it reads: the start-up, then the k2pow.
        var k2pow = stored.K2PowOf("a1")!.Value.TotalSeconds + stored.Startup.GetValueOrDefault("diskA");
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
        }, () => "the restarted daemon's forecast; " + fleet.Describe(), TimeSpan.FromSeconds(60));

        var a1 = Assert.Single(forecast!.Rows);
        Assert.Equal("measured", a1.Source);
        Assert.Equal(k2pow, a1.ReadStartSeconds - a1.K2PowStartSeconds, 3);
        Assert.Equal(readSeconds, a1.EndSeconds - a1.ReadStartSeconds, 3);
        Assert.Contains(fleet.History("SELECT kind, value FROM estimates"), r => r["kind"] == "k2pow-seconds" && double.Parse(r["value"]!, CultureInfo.InvariantCulture) > 0);
    }
}
