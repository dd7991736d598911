using System.Globalization;
using System.Text.Json;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Client;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// proofsDue: after a cycle gap closes the view's cycleGap moves on, but the node takes the closed gap's proofs
/// until its deadline; the API, metrics and `postfleet status` must show that deadline, not the next one.
/// </summary>
public sealed class ProofsDueTests
{
    // The demo network of spacemesh-node.md §7: 1-minute layers, 15 per epoch, PS 10m, CG 7m, GP 1m.
    private static readonly NetworkTimeline Demo = new(
        new NetworkClock(DateTimeOffset.Parse("2024-03-08T14:30:00Z", CultureInfo.InvariantCulture), TimeSpan.FromMinutes(1), 15),
        new PoetTimings(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)));

    private static DateTimeOffset At(string hhmm) => DateTimeOffset.Parse($"2024-03-08T{hhmm}:00Z", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("14:50", 1u, 1u, "15:00", false)] // gap 1 open
    [InlineData("14:57", 2u, 1u, "15:00", true)]  // gap 1 closed at 14:55, its proofs taken until 15:00
    [InlineData("15:00", 2u, 2u, "15:15", false)] // deadline passed: gap 2's proofs are next
    [InlineData("15:05", 2u, 2u, "15:15", false)]
    public void The_view_keeps_the_closed_gaps_deadline_beside_the_next_gap(string now, uint shown, uint due, string deadline, bool closed)
    {
        var network = FleetViewBuilder.Network(Demo, At(now));

        Assert.Equal(shown, network.CycleGap.PublishEpoch);
        Assert.Equal(new ProofsDueView(due, At(deadline), closed), network.ProofsDue);
    }

    [Fact]
    public async Task The_api_serves_proofs_due_beside_an_unchanged_cycle_gap()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var view = daemon.Fleet.Publish(DemoFleet.AfterGapClosed(daemon.Fleet.Current!));

        using var json = JsonDocument.Parse(await daemon.Http.GetStringAsync("/api/v1/fleet"));
        var network = json.RootElement.GetProperty("network");
        Assert.Equal(15u, network.GetProperty("cycleGap").GetProperty("publishEpoch").GetUInt32());
        Assert.False(network.GetProperty("cycleGap").GetProperty("isOpen").GetBoolean());
        var due = network.GetProperty("proofsDue");
        Assert.Equal(14u, due.GetProperty("publishEpoch").GetUInt32());
        Assert.True(due.GetProperty("gapClosed").GetBoolean());
        Assert.Equal(view.Network!.ProofsDue!.ProofDeadline, due.GetProperty("proofDeadline").GetDateTimeOffset());

        // The typed client `postfleet status` uses reads it back.
        Assert.Equal(view.Network.ProofsDue, (await new DaemonApiClient(daemon.Http).GetFleetAsync()).Network!.ProofsDue);
    }

    [Fact]
    public async Task Metrics_export_the_due_deadline_and_whether_its_gap_closed()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var view = daemon.Fleet.Publish(DemoFleet.AfterGapClosed(daemon.Fleet.Current!));

        var text = await daemon.Http.GetStringAsync("/metrics");
        Assert.Contains("postfleet_proofs_due_publish_epoch 14", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_proofs_due_gap_closed 1", text, StringComparison.Ordinal);
        Assert.Contains($"postfleet_proofs_due_deadline_timestamp_seconds {view.Network!.ProofsDue!.ProofDeadline.ToUnixTimeSeconds()}", text, StringComparison.Ordinal);
        Assert.Contains($"postfleet_cycle_gap_proof_deadline_timestamp_seconds {view.Network.CycleGap.ProofDeadline.ToUnixTimeSeconds()}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postfleet_status_says_the_closed_gaps_proofs_are_still_due()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var view = daemon.Fleet.Publish(DemoFleet.AfterGapClosed(daemon.Fleet.Current!));

        await using var status = ChildProcess.StartPostfleet(["status", "--api", daemon.Host.Url.Authority], environment: new Dictionary<string, string> { ["TZ"] = "UTC", ["COLUMNS"] = "200" });
        Assert.True(await status.WaitForExitAsync() == 0, status.StandardError + status.StandardOutput);

        var deadline = view.Network!.ProofsDue!.ProofDeadline.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.Contains($"proofs for publish epoch 14 still due by {deadline}", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("cycle gap for publish epoch 15 opens", status.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postfleet_status_refuses_an_api_address_it_cannot_reach_by_http()
    {
        await using var status = ChildProcess.StartPostfleet(["status", "--api", "https://127.0.0.1:8080"]);

        Assert.NotEqual(0, await status.WaitForExitAsync());
        Assert.Contains("--api 'https://127.0.0.1:8080': scheme 'https' is not supported", status.StandardError, StringComparison.Ordinal);
    }
}
