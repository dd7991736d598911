using PostFleet.Testing;

namespace PostFleet.EndToEnd.Tests;

/// <summary>What a real headless Chromium saw on the demo's dashboard while the fleet proved.</summary>
public sealed record DashboardSeen(IReadOnlyList<string> DagNodes, string ChangedService, string Before, string After, bool Reloaded, string Screenshot)
{
    public static async Task<DashboardSeen> WatchAsync(Uri url)
    {
        await using var browser = await Chromium.OpenAsync(url, 1400, 900);
        await Eventually.UntilAsync(async () => (await browser.EvaluateAsync("document.querySelectorAll('svg.dag [data-service]').length"))?.GetValue<double>() == 10, "the proving DAG with 10 services", TimeSpan.FromSeconds(60));
        var nodes = (await browser.EvaluateAsync("[...document.querySelectorAll('svg.dag [data-service]')].map(n => n.dataset.service).sort().join(',')"))!.GetValue<string>().Split(',');

        // A marker that a reload would wipe: the page must change while it stays.
        await browser.EvaluateAsync("window.__noReload = true");
        const string states = "JSON.stringify(Object.fromEntries([...document.querySelectorAll('svg.dag [data-service]')].map(n => [n.dataset.service, n.dataset.state ?? ''])))";
        var before = (await browser.EvaluateAsync(states))!.GetValue<string>();
        var after = await Eventually.UntilAsync(async () =>
        {
            var now = (await browser.EvaluateAsync(states))!.GetValue<string>();
            return now != before ? now : null;
        }, "a DAG node to change state without a reload", TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(250));
        var reloaded = (await browser.EvaluateAsync("window.__noReload === true"))!.GetValue<bool>() == false;

        var beforeMap = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(before)!;
        var afterMap = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(after)!;
        var changed = afterMap.First(p => beforeMap.GetValueOrDefault(p.Key) != p.Value).Key;

        // Let the fleet get busy, then keep a picture for the README.
        await Eventually.UntilAsync(async () => (await browser.EvaluateAsync("document.querySelectorAll('svg.dag [data-state=k2pow], svg.dag [data-state=reading], svg.dag [data-state=delivered]').length"))?.GetValue<double>() > 0, "a busy DAG", TimeSpan.FromMinutes(2));
        // The timeline draws the daemon's run journal (GET /api/v1/services/{name}/runs), not what the page saw.
        await Eventually.UntilAsync(async () => (await browser.EvaluateAsync("document.querySelectorAll('svg.gantt rect[data-kind]').length"))?.GetValue<double>() > 0, "a served run phase on the timeline", TimeSpan.FromMinutes(1));
        var screenshot = Path.Combine(RepoPaths.Root, "artifacts", "screenshots", "demo-dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await browser.ScreenshotAsync(screenshot, 1400);
        return new DashboardSeen(nodes, changed, beforeMap.GetValueOrDefault(changed) ?? "", afterMap[changed], reloaded, screenshot);
    }
}
