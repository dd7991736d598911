using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The dashboard of a fleet serving two nodes, in a real headless Chromium: a card per node with its own clock and
/// cycle gap, and the proving DAG in lanes grouped by node, then disk.
/// </summary>
public sealed class TwoNodeDashboardTests
{
    [Fact]
    public async Task Each_node_shows_its_clock_and_gap_and_the_DAG_is_grouped_by_node_then_disk()
    {
        var now = DateTimeOffset.UtcNow;
        var view = TwoNodes(DemoFleet.Build(now), now);
        await using var daemon = await TestDaemon.StartAsync(view: view);
        await using var browser = await Chromium.OpenAsync(daemon.Host.Url, 1440, 900);
        await browser.WatchCspViolationsAsync();

        await Eventually.UntilAsync(async () => await TextAsync(browser, "[data-node-name=node-b]") != "", "the node-b card", TimeSpan.FromSeconds(30));
        var a = await TextAsync(browser, "[data-node-name=node-a]");
        var b = await TextAsync(browser, "[data-node-name=node-b]");
        Assert.Contains("epoch 13", a, StringComparison.Ordinal);
        Assert.Contains("gap open", a, StringComparison.Ordinal);
        Assert.Contains("proofs for epoch 14", a, StringComparison.Ordinal);
        Assert.Contains("epoch 12", b, StringComparison.Ordinal);
        Assert.Contains("gap opens", b, StringComparison.Ordinal);
        Assert.Contains("proofs for epoch 13", b, StringComparison.Ordinal);

        // Lanes: node-a's disks, then node-b's (a shared disk once per node), each service in its node's lane.
        await Eventually.UntilAsync(async () => await CountAsync(browser, "svg.dag [data-service]") == 10, "ten DAG nodes", TimeSpan.FromSeconds(15));
        var lanes = (await browser.EvaluateAsync("[...document.querySelectorAll('svg.dag .lane-title')].map(t => t.dataset.lane).join('|')"))!.GetValue<string>();
        var expected = view.Nodes.SelectMany(n => view.Disks.Where(d => view.Services.Any(s => s.Node == n.Name && s.Disk == d.Name)).Select(d => $"{n.Name} · {d.Name}"));
        Assert.Equal(string.Join('|', expected), lanes);
        Assert.StartsWith("node-a · diskA|", lanes, StringComparison.Ordinal);
        Assert.Contains("node-b · diskA", lanes, StringComparison.Ordinal);
        Assert.Empty(await browser.CspViolationsAsync());
    }

    /// <summary>The demo's identities dealt out to two nodes; node-b's clock is half an epoch behind node-a's.</summary>
    private static FleetView TwoNodes(FleetView view, DateTimeOffset now)
    {
        var services = view.Services.Select((s, i) => s with { Node = i % 2 == 0 ? "node-a" : "node-b" }).ToList();
        var network = view.Network!;
        var epoch = TimeSpan.FromSeconds(network.LayerSeconds * network.LayersPerEpoch);
        var opens = now + (epoch / 2) - TimeSpan.FromHours(3);
        var other = network with
        {
            Genesis = network.Genesis + (epoch / 2),
            CurrentEpoch = network.CurrentEpoch - 1,
            CycleGap = network.CycleGap with { PublishEpoch = 13, Opens = opens, Closes = opens.AddHours(12), IsOpen = false, ProofDeadline = opens.AddHours(11).AddMinutes(30) },
            ProofsDue = new ProofsDueView(13, opens.AddHours(11).AddMinutes(30), GapClosed: false),
        };
        return view with
        {
            Services = services,
            Nodes =
            [
                new NodeView(true, null, "http://127.0.0.1:10094", 5) { Name = "node-a", Network = network },
                new NodeView(true, null, "http://127.0.0.1:11094", 5) { Name = "node-b", Network = other },
            ],
        };
    }

    private static async Task<double> CountAsync(Chromium browser, string selector) =>
        (await browser.EvaluateAsync($"document.querySelectorAll(\"{selector}\").length"))!.GetValue<double>();

    private static async Task<string> TextAsync(Chromium browser, string selector) =>
        (await browser.EvaluateAsync($"document.querySelector('{selector}')?.textContent ?? ''"))!.GetValue<string>();
}
