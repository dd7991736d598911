using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.K2Pow;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Testing;
using static PostFleet.Daemon.Tests.K2PowRouterTests;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The k2pow pool page in a real headless Chromium, fed by a real router (K2PowRouter) whose two workers speak
/// k2pow-service's HTTP contract on 127.0.0.1: each worker's health, the service it serves, its learned hash rate,
/// and the queue, followed live (the page polls GET /api/v1/k2pow) as a worker finishes a job and another dies.
/// </summary>
public sealed class K2PowPageBrowserTests
{
    [Fact]
    public async Task Pool_page_shows_each_workers_health_service_and_learned_hash_rate_live()
    {
        await using var w1 = await FakeK2PowWorker.StartAsync();
        var w2 = await FakeK2PowWorker.StartAsync();
        using var http = new HttpClient();
        var router = new K2PowRouter(
            [new K2PowWorkerSpec("w1", w1.Url, 8, null, false), new K2PowWorkerSpec("w2", w2.Url, 4, 2500, false)],
            new WorkerClient(http), TimeProvider.System, NullLogger.Instance);
        router.SetPriorities(new Dictionary<string, JobPriority> { [MinerA] = new("diskA_post1", 1), [MinerB] = new("diskB_post1", 0) });
        K2PowPoolView View() => new("http://127.0.0.1:9130", "127.0.0.1:9130", 2, 1, 2, ["diskA_post1", "diskB_post1"], new Dictionary<string, string>(), router.Snapshot());

        // diskB_post1 is due first: its two groups run on the two workers, diskA_post1's group waits in the router.
        router.Answer(Job(MinerA, 0));
        router.Answer(Job(MinerB, 0));
        router.Answer(Job(MinerB, 1));
        await router.TickAsync(CancellationToken.None);

        await using var daemon = await TestDaemon.StartAsync(o => o with { K2Pow = View });
        await using var browser = await Chromium.OpenAsync(daemon.Host.Url, 1440, 900);
        await browser.WatchCspViolationsAsync();
        await browser.EvaluateAsync("location.hash = '#/k2pow'");

        await Eventually.UntilAsync(async () => await CountAsync(browser, "table.k2pow-workers tbody tr") == 2, "two worker rows", TimeSpan.FromSeconds(30));
        foreach (var worker in new[] { "w1", "w2" })
        {
            var row = await TextAsync(browser, $"tr[data-worker={worker}]");
            Assert.Contains("working", row, StringComparison.Ordinal);
            Assert.Contains("diskB_post1", row, StringComparison.Ordinal);
        }

        Assert.Contains("8 cores", await TextAsync(browser, "tr[data-worker=w1]"), StringComparison.Ordinal);
        Assert.Contains("2,500 H/s", await TextAsync(browser, "tr[data-worker=w2]"), StringComparison.Ordinal);
        Assert.Equal("—", await CellAsync(browser, "w1", 6)); // nothing learned yet
        Assert.Contains("diskA_post1", await TextAsync(browser, "table.k2pow-queue"), StringComparison.Ordinal);
        Assert.Contains("2 services routed", await TextAsync(browser, "#k2pow-pool"), StringComparison.Ordinal);

        // w1 finishes: its speed is learned and it takes diskA_post1's group; w2 dies and is shown down, its job queued
        // again (not yet dispatched again: the only healthy worker is busy).
        await browser.EvaluateAsync("window.__noReload = true");
        w1.Finish(w1.InProgress!, 200, "42");
        await router.TickAsync(CancellationToken.None);
        await w2.DieAsync();
        await router.TickAsync(CancellationToken.None);

        await Eventually.UntilAsync(async () => (await TextAsync(browser, "tr[data-worker=w2]")).Contains("down", StringComparison.Ordinal), "w2 shown down", TimeSpan.FromSeconds(15));
        var w1Row = await TextAsync(browser, "tr[data-worker=w1]");
        Assert.Contains("working", w1Row, StringComparison.Ordinal);
        Assert.Contains("diskA_post1", w1Row, StringComparison.Ordinal);
        Assert.Matches(@"^[\d,]+ H/s$", await CellAsync(browser, "w1", 6));
        Assert.Equal("1 / 0", await CellAsync(browser, "w1", 8));
        Assert.Equal("0 / 1", await CellAsync(browser, "w2", 8));
        Assert.Contains("diskB_post1", await TextAsync(browser, "table.k2pow-queue"), StringComparison.Ordinal);
        Assert.Contains("1 lost and 0 dispatched again", await TextAsync(browser, "#k2pow-pool"), StringComparison.Ordinal);
        Assert.True((await browser.EvaluateAsync("window.__noReload === true"))!.GetValue<bool>());
        await browser.ScreenshotAsync(Path.Combine(RepoPaths.Root, "artifacts", "screenshots", "k2pow.png"), 1440);
        Assert.Empty(await browser.CspViolationsAsync());
    }

    private static async Task<double?> CountAsync(Chromium browser, string selector) =>
        (await browser.EvaluateAsync($"document.querySelectorAll('{selector}').length"))?.GetValue<double>();

    private static async Task<string> TextAsync(Chromium browser, string selector) =>
        (await browser.EvaluateAsync($"document.querySelector('{selector}')?.textContent ?? ''"))!.GetValue<string>();

    /// <summary>The text of a worker row's cell, 1-based as the table's columns.</summary>
    private static async Task<string> CellAsync(Chromium browser, string worker, int column) =>
        await TextAsync(browser, $"tr[data-worker={worker}] td:nth-child({column})");
}
