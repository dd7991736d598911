using PostFleet.Daemon.Loop;
using PostFleet.Daemon.Tests.Fakes;

namespace PostFleet.Daemon.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_are_derived_from_the_view_and_the_pass()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var view = daemon.Fleet.Change("diskD_post1", s => s with { LastProofSeconds = 5400, Restarts = 1, K2PowSeconds = 612.5, ReadRate = 1048576 });
        var stages = new PassStages(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(7), TimeSpan.Zero, TimeSpan.FromMilliseconds(4), TimeSpan.FromMilliseconds(1), [], TimeSpan.FromMilliseconds(42)) { GcPause = TimeSpan.FromMilliseconds(2) };
        daemon.Host.Metrics.ObservePass(view, TimeSpan.FromMilliseconds(42), stages);

        var text = await daemon.Http.GetStringAsync("/metrics");
        Assert.Contains("postfleet_reconcile_passes_total 1", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_reconcile_pass_duration_seconds_count 1", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_reconcile_pass_stage_seconds_sum{stage=\"observe\"} 0.03", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_reconcile_pass_stage_seconds_count{stage=\"run-ledger\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_reconcile_pass_stage_seconds_sum{stage=\"gc-pause\"} 0.002", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_node_reachable 1", text, StringComparison.Ordinal);
        Assert.Contains($"postfleet_node_current_epoch {view.Network!.CurrentEpoch}", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_node_state{service=\"diskC_post3\",disk=\"diskC\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_node_state{service=\"diskA_post1\",disk=\"diskA\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_phase{service=\"diskC_post2\",disk=\"diskC\",phase=\"reading\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_phase{service=\"diskC_post2\",disk=\"diskC\",phase=\"k2pow\"} 0", text, StringComparison.Ordinal);
        var position = view.Services.Single(s => s.Name == "diskC_post2").Position!.Value;
        Assert.Contains($"postfleet_service_read_position_bytes{{service=\"diskC_post2\",disk=\"diskC\"}} {position}", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_last_proof_duration_seconds{service=\"diskD_post1\",disk=\"diskD\"} 5400", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_last_delivered_epoch{service=\"diskB_post3\",disk=\"diskB\"} 13", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_k2pow_seconds{service=\"diskD_post1\",disk=\"diskD\"} 612.5", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_read_bytes_per_second{service=\"diskD_post1\",disk=\"diskD\"} 1048576", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removed_services_stop_reporting_and_unreachable_node_is_zero()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var current = daemon.Fleet.Current!;
        var fewer = DemoFleet.Assemble(DateTimeOffset.UtcNow, current.Pass + 1, [.. current.Services.Where(s => s.Name != "diskE_post1")],
            node: current.Node with { Reachable = false, Error = "connection refused" });
        daemon.Fleet.Publish(fewer);

        var text = await daemon.Http.GetStringAsync("/metrics");
        Assert.DoesNotContain("diskE_post1", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_node_reachable 0", text, StringComparison.Ordinal);
        Assert.Contains("postfleet_service_node_state{service=\"diskA_post1\",disk=\"diskA\"} 2", text, StringComparison.Ordinal);
    }
}
