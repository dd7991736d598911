using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

/// <summary>The dashboard in a real headless Chromium: the DAG, live updates without reload, and the README screenshot.</summary>
public sealed class DashboardBrowserTests
{
    private const int Width = 1440;

    [Fact]
    public async Task Dashboard_shows_the_demo_DAG_and_follows_a_service_into_k2pow_without_reloading()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await using var browser = await Chromium.OpenAsync(daemon.Host.Url, Width, 900);
        await browser.WatchCspViolationsAsync();

        await Eventually.UntilAsync(async () => (await browser.EvaluateAsync("document.querySelectorAll('svg.dag [data-service]').length"))?.GetValue<double>() == 10,
            "ten DAG nodes", TimeSpan.FromSeconds(30));
        var names = (await browser.EvaluateAsync("[...document.querySelectorAll('svg.dag [data-service]')].map(n => n.dataset.service).sort().join(',')"))!.GetValue<string>();
        Assert.Equal(string.Join(',', DemoFleet.Topology.Select(t => t.Name).Order(StringComparer.Ordinal)), names);
        Assert.Equal(5.0, (await browser.EvaluateAsync("document.querySelectorAll('svg.dag .lane').length"))!.GetValue<double>());
        // Five disk-order edges (A:1, B:2, C:2) and the one explicit `after` (diskC_post2 -> diskA_post2).
        Assert.Equal(6.0, (await browser.EvaluateAsync("document.querySelectorAll('svg.dag .edge').length"))!.GetValue<double>());
        Assert.Equal(1.0, (await browser.EvaluateAsync("document.querySelectorAll('svg.dag .edge-after').length"))!.GetValue<double>());
        Assert.Equal("waiting", await StateAsync(browser, "diskD_post1"));
        Assert.Equal("reading", await StateAsync(browser, "diskC_post2"));

        // Mark the page: a reload would lose this, so seeing the change with the mark still there proves it was live.
        await browser.EvaluateAsync("window.__noReload = true");
        daemon.Fleet.Change("diskD_post1", s => s with { Phase = "k2pow", DagState = "k2pow", RunningSince = DateTimeOffset.UtcNow.AddMinutes(-4), NonceStart = 0, NonceEnd = 16 });
        await Eventually.UntilAsync(async () => await StateAsync(browser, "diskD_post1") == "k2pow", "diskD_post1 shown in k2pow", TimeSpan.FromSeconds(15));
        Assert.True((await browser.EvaluateAsync("window.__noReload === true"))!.GetValue<bool>());
        Assert.Contains("k2pow", (await browser.EvaluateAsync("document.querySelector('[data-service=diskD_post1] .node-state').textContent"))!.GetValue<string>(), StringComparison.Ordinal);

        // A failed proof shows as an open alert on the overview, live as well.
        daemon.Fleet.Change("diskA_post1", s => s with { DagState = "failed", Phase = "not-running", DecisionMessage = "node reported PostFailed (k2pow)" });
        await Eventually.UntilAsync(async () => (await browser.EvaluateAsync("document.querySelector('.alerts')?.textContent ?? ''"))!.GetValue<string>().Contains("proof failed", StringComparison.OrdinalIgnoreCase)
            || (await browser.EvaluateAsync("document.querySelector('.alerts')?.textContent ?? ''"))!.GetValue<string>().Contains("proof-failed", StringComparison.Ordinal),
            "open alert on the overview", TimeSpan.FromSeconds(15));

        await browser.ScreenshotAsync(Path.Combine(RepoPaths.Root, "artifacts", "screenshots", "dashboard.png"), Width);

        // The service page, reached by clicking the node, shows its facts and log tail.
        await browser.EvaluateAsync("document.querySelector('[data-service=diskC_post2]').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
        await Eventually.UntilAsync(async () => (await browser.EvaluateAsync("document.getElementById('log')?.textContent ?? ''"))!.GetValue<string>().Contains("line 500", StringComparison.Ordinal),
            "service page with the log tail", TimeSpan.FromSeconds(15));
        await browser.ScreenshotAsync(Path.Combine(RepoPaths.Root, "artifacts", "screenshots", "service.png"), Width);

        // Every view above ran under the strict policy without tripping it; and the watch does see a violation.
        Assert.Empty(await browser.CspViolationsAsync());
        await browser.EvaluateAsync("document.body.setAttribute('style', 'outline: 1px solid red')");
        await Eventually.UntilAsync(async () => (await browser.CspViolationsAsync()).Any(v => v.StartsWith("style-src", StringComparison.Ordinal)),
            "the inline style attribute reported as a violation", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Overview_shows_the_next_gap_forecast_and_marks_the_service_predicted_past_the_deadline()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await using var browser = await Chromium.OpenAsync(daemon.Host.Url, Width, 900);
        await browser.WatchCspViolationsAsync();

        await Eventually.UntilAsync(async () => (await browser.EvaluateAsync("document.querySelectorAll('.gap-forecast tbody tr').length"))?.GetValue<double>() == 10,
            "the forecast panel with ten rows", TimeSpan.FromSeconds(30));
        var panel = await TextAsync(browser, ".gap-forecast");
        Assert.Contains("Next cycle gap forecast", panel, StringComparison.Ordinal);
        Assert.Contains("publish epoch 14", panel, StringComparison.Ordinal);
        Assert.Contains("1 past the deadline", panel, StringComparison.Ordinal);
        Assert.Contains("disk diskB:", panel, StringComparison.Ordinal); // the forecast's warning, with its fix

        var missed = (await browser.EvaluateAsync("[...document.querySelectorAll('.gap-forecast tr.miss')].map(r => r.dataset.service).join(',')"))!.GetValue<string>();
        Assert.Equal("diskB_post1", missed);
        Assert.Contains("past deadline", await TextAsync(browser, ".gap-forecast tr[data-service=diskB_post1]"), StringComparison.Ordinal);
        Assert.Contains("measured", await TextAsync(browser, ".gap-forecast tr[data-service=diskB_post1]"), StringComparison.Ordinal);
        var onTime = await TextAsync(browser, ".gap-forecast tr[data-service=diskD_post1]");
        Assert.Contains("assumed", onTime, StringComparison.Ordinal);
        Assert.DoesNotContain("past deadline", onTime, StringComparison.Ordinal);
        Assert.Equal(2.0, (await browser.EvaluateAsync("document.querySelectorAll('.gap-forecast tr[data-service=diskD_post1] .forecast-part').length"))!.GetValue<double>());
        await browser.ScreenshotAsync(Path.Combine(RepoPaths.Root, "artifacts", "screenshots", "forecast.png"), Width);

        // Once the gap closes the cycle gap card shows the next one, but the deadline card stays on the closed
        // gap's proofs until their deadline.
        Assert.DoesNotContain("proofs for epoch", await TextAsync(browser, "[data-card=deadline]"), StringComparison.Ordinal);
        daemon.Fleet.Publish(DemoFleet.AfterGapClosed(daemon.Fleet.Current!) with { Pass = daemon.Fleet.Current!.Pass + 1 });
        await Eventually.UntilAsync(async () => (await TextAsync(browser, "[data-card=deadline]")).Contains("proofs for epoch 14 due by", StringComparison.Ordinal),
            "the deadline card on the closed gap's proofs", TimeSpan.FromSeconds(15));
        Assert.Contains("then epoch 15", await TextAsync(browser, "[data-card=deadline]"), StringComparison.Ordinal);
        Assert.Empty(await browser.CspViolationsAsync());
    }

    [Fact]
    public async Task A_history_that_takes_no_writes_shows_a_banner_that_goes_when_writes_work_again()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await using var browser = await Chromium.OpenAsync(daemon.Host.Url, Width, 900);
        await Eventually.UntilAsync(async () => (await browser.EvaluateAsync("document.querySelectorAll('svg.dag [data-service]').length"))?.GetValue<double>() == 10, "the DAG", TimeSpan.FromSeconds(30));
        Assert.Equal("", await TextAsync(browser, ".history-fault"));

        var view = daemon.Fleet.Current!;
        var full = new View.HistoryView("/var/lib/postfleet/history.db", false, "/var/lib/postfleet/history.db: database or disk is full", view.At.AddMinutes(-3), view.At.AddMinutes(-3), 0, 120);
        daemon.Fleet.Publish(view with { Pass = view.Pass + 1, History = full });
        await Eventually.UntilAsync(async () => (await TextAsync(browser, ".history-fault")).Contains("database or disk is full", StringComparison.Ordinal), "the history banner", TimeSpan.FromSeconds(15));
        Assert.Contains("120 rows wait in memory", await TextAsync(browser, ".history-fault"), StringComparison.Ordinal);

        daemon.Fleet.Publish(view with { Pass = view.Pass + 2, History = full with { Writable = true, Fault = null, RowsPending = 0 } });
        await Eventually.UntilAsync(async () => await TextAsync(browser, ".history-fault") == "", "the banner to go", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task The_node_card_says_when_the_node_restarted_and_how_many_proofs_are_kept()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await using var browser = await Chromium.OpenAsync(daemon.Host.Url, Width, 900);
        await Eventually.UntilAsync(async () => (await TextAsync(browser, ".cards")).Contains("reachable", StringComparison.Ordinal), "the node card", TimeSpan.FromSeconds(30));
        Assert.Equal(0.0, (await browser.EvaluateAsync("document.querySelectorAll('[data-node=restarted]').length"))!.GetValue<double>());

        var view = daemon.Fleet.Current!;
        var since = view.At.AddSeconds(-20);
        daemon.Fleet.Publish(view with
        {
            Pass = view.Pass + 1,
            Node = view.Node with { Synced = false, Restart = new NodeRestartView(since, 2, "node restarted / syncing: keeping 2 proofs in progress (all identities IDLE at once; is_synced false)") },
        });

        await Eventually.UntilAsync(async () => (await TextAsync(browser, "[data-node=restarted]")).Contains("restarted / syncing", StringComparison.Ordinal),
            "the node card on the restart", TimeSpan.FromSeconds(15));
        Assert.Contains("node restarted / syncing: keeping 2 proofs in progress", await TextAsync(browser, "[data-node=restarted]"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_timeline_draws_the_served_run_journal_and_the_planners_forecast_and_keeps_nothing_in_the_browser()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await using var browser = await Chromium.OpenAsync(new Uri(daemon.Host.Url, "/#/timeline"), Width, 900);
        await browser.WatchCspViolationsAsync();

        // Every phase the journal serves, and nothing else: 4 + 2 + 1 bars, in the served order and times.
        await Eventually.UntilAsync(async () => await CountAsync(browser, "svg.gantt rect[data-kind]") == 7, "the seven served phases on the timeline", TimeSpan.FromSeconds(30));
        Assert.Equal("k2pow,read,k2pow,read", await BarsAsync(browser, "diskC_post3", "d.dataset.kind"));
        var served = daemon.Fleet.Journal["diskC_post3"].Runs[0].Phases;
        Assert.Equal(string.Join(',', served.Select(p => p.Start.ToUnixTimeMilliseconds())), await BarsAsync(browser, "diskC_post3", "d.dataset.start"));
        Assert.Equal("k2pow,read", await BarsAsync(browser, "diskC_post2", "d.dataset.kind"));
        Assert.Equal("k2pow", await BarsAsync(browser, "diskB_post2", "d.dataset.kind"));
        Assert.Equal(0.0, await CountAsync(browser, "svg.gantt rect[data-kind][data-service=diskD_post1]"));

        // What is projected is the planner's: a waiting service ends where the served forecast says (diskB_post1,
        // on the slow disk, past the deadline).
        var row = daemon.Fleet.Forecast!.Rows.Single(r => r.Service == "diskB_post1");
        Assert.True(row.EndAt > DateTimeOffset.UtcNow);
        await Eventually.UntilAsync(async () => await AttributeAsync(browser, "svg.gantt rect.forecast[data-service=diskB_post1]", "data-source") == "forecast",
            "diskB_post1 projected from the served forecast", TimeSpan.FromSeconds(15));
        Assert.Equal(row.EndAt!.Value.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), await AttributeAsync(browser, "svg.gantt rect.forecast[data-service=diskB_post1]", "data-end"));

        // Only the daemon changes the timeline: diskB_post2 reads now, and its journal says so; the page asks for it
        // again (its phase changed) and draws the new read. The journal alone decides what is drawn.
        var requests = daemon.Fleet.JournalRequests.GetValueOrDefault("diskB_post2");
        var now = DateTimeOffset.UtcNow;
        var run = daemon.Fleet.Journal["diskB_post2"].Runs[0];
        daemon.Fleet.Journal["diskB_post2"] = daemon.Fleet.Journal["diskB_post2"] with
        {
            Runs = [run with { Phases = [DemoRuns.K2Pow(0, run.StartedAt, now.AddMinutes(-1), now), DemoRuns.Read(0, now.AddMinutes(-1), null, 1 << 30, now)] }],
        };
        var finish = now.AddHours(2);
        daemon.Fleet.Change("diskB_post2", s => DemoFleet.Reading(s, now, 0.01) with { InstanceId = "pid:4242", EstimatedFinish = finish });
        await Eventually.UntilAsync(async () => await BarsAsync(browser, "diskB_post2", "d.dataset.kind") == "k2pow,read", "diskB_post2's served read on the timeline", TimeSpan.FromSeconds(15));
        Assert.True(daemon.Fleet.JournalRequests["diskB_post2"] > requests);
        Assert.Equal("estimated-finish", await AttributeAsync(browser, "svg.gantt rect.forecast[data-service=diskB_post2]", "data-source"));
        Assert.Equal(finish.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), await AttributeAsync(browser, "svg.gantt rect.forecast[data-service=diskB_post2]", "data-end"));

        // The service page lists the served runs with their phases and outcome.
        await browser.EvaluateAsync("location.hash = '#/service/diskC_post3'");
        await Eventually.UntilAsync(async () => (await TextAsync(browser, "table.runs")).Contains("delivered", StringComparison.Ordinal), "the runs table", TimeSpan.FromSeconds(15));
        Assert.Contains("k2pow 10m 00s · read 1h 00m", await TextAsync(browser, "table.runs tr[data-run=\"pid:3013\"]"), StringComparison.Ordinal);

        // The browser keeps nothing: no localStorage entry after all of the above, and no script that could write one.
        Assert.Equal(0.0, (await browser.EvaluateAsync("localStorage.length"))!.GetValue<double>());
        var assets = Path.Combine(RepoPaths.Root, "src", "PostFleet.Daemon", "Web", "Dashboard", "assets");
        var scripts = Directory.GetFiles(assets, "*.js");
        Assert.NotEmpty(scripts);
        Assert.All(scripts, f => Assert.DoesNotContain("localStorage", File.ReadAllText(f), StringComparison.Ordinal));
        Assert.Empty(await browser.CspViolationsAsync());
    }

    private static async Task<double> CountAsync(Chromium browser, string selector) =>
        (await browser.EvaluateAsync($"document.querySelectorAll(\"{selector}\").length"))!.GetValue<double>();

    private static async Task<string> BarsAsync(Chromium browser, string service, string value) =>
        (await browser.EvaluateAsync($"[...document.querySelectorAll('svg.gantt rect[data-kind][data-service={service}]')].map(d => {value}).join(',')"))!.GetValue<string>();

    private static async Task<string?> AttributeAsync(Chromium browser, string selector, string attribute) =>
        (await browser.EvaluateAsync($"document.querySelector(\"{selector}\")?.getAttribute('{attribute}') ?? null"))?.GetValue<string>();

    private static async Task<string> TextAsync(Chromium browser, string selector) =>
        (await browser.EvaluateAsync($"document.querySelector('{selector}')?.textContent ?? ''"))!.GetValue<string>();

    private static async Task<string?> StateAsync(Chromium browser, string service) =>
        (await browser.EvaluateAsync($"document.querySelector('svg.dag [data-service={service}]')?.dataset.state ?? null"))?.GetValue<string>();
}
