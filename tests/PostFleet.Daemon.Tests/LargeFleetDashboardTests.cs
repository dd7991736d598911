using System.Globalization;
using System.Text.Json;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The dashboard at 1,000 identities on 200 disks over 4 hosts, in a real headless Chromium: the at-risk list
/// first, one row per disk grouped by host and only the rows in view in the DOM, filters and search, the DAG of one
/// selected disk, and updates applied from the changes stream without a reload. It also records Chromium's timings
/// (first paint of the overview, update time) to artifacts/bench/dashboard-1000.json for
/// bench/scripts/dashboard-timings.sh; they are stated there, never asserted here.
/// </summary>
public sealed class LargeFleetDashboardTests
{
    private const int Width = 1440;

    [Fact]
    public async Task A_thousand_identities_read_at_a_glance_at_risk_first_filtered_and_one_disk_at_a_time()
    {
        var view = LargeFleet.Build(DateTimeOffset.UtcNow, 1000, 200, 4);
        await using var daemon = await TestDaemon.StartAsync(view: view);
        await using var browser = await Chromium.OpenAsync(daemon.Host.Url, Width, 1000);
        await browser.WatchCspViolationsAsync();

        // 200 disks and 4 host headers exist; only the rows in view (and a few around) are in the DOM, once the list
        // has laid out its window (the first rows can be drawn before it has measured its height).
        await Eventually.UntilAsync(async () => await NumberAsync(browser, "document.querySelectorAll('.fm-row').length") is >= 10 and <= 40,
            "the rows in view, between 10 and 40 of the 204", TimeSpan.FromSeconds(30));
        Assert.Equal(204 * 30.0, await NumberAsync(browser, "parseFloat(document.querySelector('.fm-list .fm-spacer').style.height)"));
        Assert.Equal("host0", await TextAsync(browser, ".fm-host b"));
        Assert.Null(await browser.EvaluateAsync("document.querySelector('svg.dag:not(.fm-dag)')"));

        // At risk first: the waiting identities of every 25th disk (h0d000, h1d025, ...) forecast past the deadline.
        Assert.True(await NumberAsync(browser, "document.querySelector('.fm-risk').compareDocumentPosition(document.querySelector('.fm')) & Node.DOCUMENT_POSITION_FOLLOWING") > 0);
        var risk = await TextAsync(browser, ".fm-risk h2");
        Assert.Contains($"At risk: {8 * 4} proof(s)", risk, StringComparison.Ordinal);
        Assert.Contains("counts", await CountsAsync(browser), StringComparison.Ordinal);
        // The 32 predicted misses are one line of counts and the first three, not a wall of 32.
        await Eventually.UntilAsync(async () => (await TextAsync(browser, ".alerts h2")).Contains("32 predicted-miss", StringComparison.Ordinal), "alerts counted by kind", TimeSpan.FromSeconds(15));
        Assert.Equal(3.0, await NumberAsync(browser, "document.querySelectorAll('.alerts li').length"));
        await browser.ScreenshotAsync(Path.Combine(RepoPaths.Root, "artifacts", "screenshots", "fleet-overview-1000.png"), Width);

        // Filters: at risk only leaves the eight late disks; search narrows to one; a state chip filters by state.
        await browser.EvaluateAsync("(() => { const b = document.querySelector('.fm-filters input[type=checkbox]'); b.checked = true; b.dispatchEvent(new Event('change')); })()");
        await Eventually.UntilAsync(async () => await NumberAsync(browser, "document.querySelectorAll('.fm-disk').length") == 8, "the eight late disks", TimeSpan.FromSeconds(10));
        Assert.Equal(8.0, await NumberAsync(browser, "document.querySelectorAll('.fm-disk.late').length"));
        await browser.EvaluateAsync("(() => { const b = document.querySelector('.fm-filters input[type=checkbox]'); b.checked = false; b.dispatchEvent(new Event('change')); const s = document.querySelector('.fm-filters input[type=search]'); s.value = 'h3d007_2'; s.dispatchEvent(new Event('input')); })()");
        await Eventually.UntilAsync(async () => await TextAsync(browser, ".fm-window") is var t && t.Contains("h3d007", StringComparison.Ordinal) && await NumberAsync(browser, "document.querySelectorAll('.fm-disk').length") == 1,
            "search finds the one disk", TimeSpan.FromSeconds(10));
        Assert.Contains("3 queued", await TextAsync(browser, ".fm-disk"), StringComparison.Ordinal);
        Assert.Contains("h3d007_1 reading", await TextAsync(browser, ".fm-disk"), StringComparison.Ordinal);

        // Selecting the disk draws its DAG (one lane, its five identities) and its timeline.
        await browser.EvaluateAsync("document.querySelector('.fm-disk').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
        await Eventually.UntilAsync(async () => await NumberAsync(browser, "document.querySelectorAll('.fm-detail svg.dag [data-service]').length") == 5, "the disk's DAG", TimeSpan.FromSeconds(10));
        Assert.Equal(1.0, await NumberAsync(browser, "document.querySelectorAll('.fm-detail svg.dag .lane').length"));

        // A live change arrives as fleet-changes and is applied without a reload.
        await browser.EvaluateAsync("window.__noReload = true");
        daemon.Fleet.Change("h3d007_2", s => s with { Phase = "k2pow", DagState = "k2pow", RunningSince = DateTimeOffset.UtcNow });
        await Eventually.UntilAsync(async () => (await TextAsync(browser, ".fm-detail [data-service=h3d007_2]")).Contains("k2pow", StringComparison.Ordinal),
            "h3d007_2 in k2pow in the DAG", TimeSpan.FromSeconds(15));
        Assert.True((await browser.EvaluateAsync("window.__noReload === true"))!.GetValue<bool>());
        await browser.ScreenshotAsync(Path.Combine(RepoPaths.Root, "artifacts", "screenshots", "fleet-disk-dag.png"), Width);

        // A host: its fifty disks' lanes, of which only those in view are drawn.
        await browser.EvaluateAsync("(() => { const s = document.querySelector('.fm-filters input[type=search]'); s.value = ''; s.dispatchEvent(new Event('input')); })()");
        await Eventually.UntilAsync(async () => await NumberAsync(browser, "document.querySelectorAll('.fm-host').length") >= 1, "host rows back", TimeSpan.FromSeconds(10));
        await browser.EvaluateAsync("document.querySelector('.fm-host').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
        await Eventually.UntilAsync(async () => (await TextAsync(browser, ".fm-detail h2")).Contains("Host host0", StringComparison.Ordinal), "the host selected", TimeSpan.FromSeconds(10));
        Assert.InRange(await NumberAsync(browser, "document.querySelectorAll('.fm-detail svg.dag .lane').length"), 1, 12);

        await RecordTimingsAsync(browser, daemon);
        Assert.Empty(await browser.CspViolationsAsync());
    }

    /// <summary>Chromium's own timings for the bench: when the overview was first painted and what updates take.</summary>
    private static async Task RecordTimingsAsync(Chromium browser, TestDaemon daemon)
    {
        // Ten passes that each change twenty services, as a proving fleet does.
        for (var pass = 0; pass < 10; pass++)
        {
            var view = daemon.Fleet.Current!;
            var moving = view.Services.Where(s => s.DagState == "reading").Skip(pass * 20).Take(20).Select(s => s.Name).ToHashSet();
            view = view with { Services = [.. view.Services.Select(s => moving.Contains(s.Name) ? s with { ReadFraction = Math.Min(1, s.ReadFraction + 0.05) } : s)] };

            var published = daemon.Fleet.Publish(view with { Pass = view.Pass + 1, At = DateTimeOffset.UtcNow }).Pass;
            await Eventually.UntilAsync(async () => await NumberAsync(browser, "performance.getEntriesByName('pf-update').length") >= pass + 1, $"update {published} drawn", TimeSpan.FromSeconds(15));
        }

        var json = (await browser.EvaluateAsync("""
            JSON.stringify({
              firstPaintMs: performance.getEntriesByName('pf-first-paint')[0]?.startTime,
              firstContentfulPaintMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
              domContentLoadedMs: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd,
              updateMs: performance.getEntriesByName('pf-update').map(m => m.duration),
              renderMs: performance.getEntriesByName('pf-overview-render').map(m => m.duration),
            })
            """))!.GetValue<string>();
        var dir = Path.Combine(RepoPaths.Root, "artifacts", "bench");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "dashboard-1000.json"), JsonSerializer.Serialize(new
        {
            identities = 1000,
            disks = 200,
            hosts = 4,
            at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            loadAverage = File.ReadAllText("/proc/loadavg").Trim(),
            timings = JsonDocument.Parse(json).RootElement,
        }));
    }

    private static async Task<string> CountsAsync(Chromium browser) =>
        await NumberAsync(browser, "document.querySelectorAll('.fm-counts .chip').length") >= 3 ? "counts" : "no counts";

    private static async Task<double> NumberAsync(Chromium browser, string expression) =>
        (await browser.EvaluateAsync(expression))?.GetValue<double>() ?? 0;

    private static async Task<string> TextAsync(Chromium browser, string selector) =>
        (await browser.EvaluateAsync($"document.querySelector('{selector}')?.textContent ?? ''"))!.GetValue<string>();
}
