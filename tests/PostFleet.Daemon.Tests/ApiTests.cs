using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Client;

namespace PostFleet.Daemon.Tests;

public sealed class ApiTests : IAsyncLifetime
{
    private TestDaemon _daemon = null!;

    public async Task InitializeAsync() => _daemon = await TestDaemon.StartAsync();

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    private HttpClient Http => _daemon.Http;

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetString()!;
    }

    [Fact]
    public async Task Fleet_is_the_current_view_in_camel_case()
    {
        using var json = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/fleet"));
        var root = json.RootElement;
        Assert.Equal(10, root.GetProperty("services").GetArrayLength());
        Assert.Equal(5, root.GetProperty("disks").GetArrayLength());
        Assert.True(root.GetProperty("node").GetProperty("reachable").GetBoolean());
        Assert.Contains(root.GetProperty("edges").EnumerateArray(), e => e.GetProperty("kind").GetString() == "after" && e.GetProperty("to").GetString() == "diskA_post2");
    }

    [Fact]
    public async Task Fleet_and_forecast_are_the_views_json_made_once_per_view()
    {
        // Served as bytes made once per view: the same JSON as the view serialised, with the same header as any answer.
        using var fleet = await Http.GetAsync("/api/v1/fleet");
        Assert.Equal("application/json; charset=utf-8", fleet.Content.Headers.ContentType?.ToString());
        var view = _daemon.Fleet.Current!;
        Assert.Equal(JsonSerializer.Serialize(view, JsonSerializerOptions.Web), await fleet.Content.ReadAsStringAsync());

        using var forecast = await Http.GetAsync("/api/v1/forecast");
        Assert.Equal("application/json; charset=utf-8", forecast.Content.Headers.ContentType?.ToString());
        Assert.True(JsonDocument.Parse(await forecast.Content.ReadAsStringAsync()).RootElement.TryGetProperty("rows", out _));

        var json = new Web.Api.LatestJson<FleetView>();
        Assert.Same(json.Of(view), json.Of(view));
        Assert.NotSame(json.Of(view), json.Of(view with { Pass = view.Pass + 1 }));
    }

    [Fact]
    public async Task Services_list_and_one_service()
    {
        var services = await Http.GetFromJsonAsync<List<ServiceView>>("/api/v1/services", JsonSerializerOptions.Web);
        Assert.Equal(DemoFleet.Topology.Select(t => t.Name), services!.Select(s => s.Name));

        var one = await Http.GetFromJsonAsync<ServiceView>("/api/v1/services/diskC_post2", JsonSerializerOptions.Web);
        Assert.Equal("reading", one!.DagState);
        Assert.Equal(11u, one.NumUnits);
    }

    [Fact]
    public async Task Unknown_service_is_404_naming_it()
    {
        using var response = await Http.GetAsync("/api/v1/services/diskZ_post9");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Contains("'diskZ_post9'", error, StringComparison.Ordinal);
        Assert.Contains("diskA_post1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_returns_the_last_lines()
    {
        using var json = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/services/diskC_post2/log?lines=5"));
        var lines = json.RootElement.GetProperty("lines").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Equal(5, lines.Count);
        Assert.EndsWith("line 500", lines[^1], StringComparison.Ordinal);
        Assert.EndsWith("line 496", lines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/services/diskC_post2/log?lines=abc", "lines")]
    [InlineData("/api/v1/services/diskC_post2/log?lines=0", "lines")]
    [InlineData("/api/v1/services/diskC_post2/log?lines=999999", "lines")]
    [InlineData("/api/v1/history?limit=-3", "limit")]
    [InlineData("/api/v1/history?limit=lots", "limit")]
    public async Task Bad_query_values_are_400_saying_what_is_allowed(string url, string parameter)
    {
        using var response = await Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.StartsWith(parameter + " must be a whole number from 1 to", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_of_a_service_that_never_ran_is_404_with_reason()
    {
        using var response = await Http.GetAsync("/api/v1/services/diskA_post1/log");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("has no log yet", await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_filters_by_service_and_limits()
    {
        var all = await Http.GetFromJsonAsync<List<HistoryEntryView>>("/api/v1/history", JsonSerializerOptions.Web);
        Assert.Equal(9, all!.Count);
        var one = await Http.GetFromJsonAsync<List<HistoryEntryView>>("/api/v1/history?service=diskC_post3&limit=2", JsonSerializerOptions.Web);
        Assert.Equal(2, one!.Count);
        Assert.All(one, e => Assert.Equal("diskC_post3", e.Service));
        Assert.True(one[0].At >= one[1].At, "newest first");

        using var unknown = await Http.GetAsync("/api/v1/history?service=nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("prove-now")]
    [InlineData("stop")]
    [InlineData("force-stop")]
    [InlineData("retry")]
    [InlineData("skip-epoch")]
    public async Task Service_intents_reach_the_loop(string intent)
    {
        using var response = await _daemon.PostFromDashboardAsync($"/api/v1/services/diskB_post1/{intent}");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains((intent, "diskB_post1"), _daemon.Fleet.Applied);
    }

    [Fact]
    public async Task Pause_and_resume_reach_the_loop()
    {
        using var pause = await _daemon.PostFromDashboardAsync("/api/v1/fleet/pause");
        using var resume = await _daemon.PostFromDashboardAsync("/api/v1/fleet/resume");
        Assert.Equal(HttpStatusCode.Accepted, pause.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.Equal([("pause", null), ("resume", null)], _daemon.Fleet.Applied);
    }

    [Fact]
    public async Task Unknown_intent_is_400_listing_the_valid_ones()
    {
        using var response = await _daemon.PostFromDashboardAsync("/api/v1/services/diskB_post1/explode");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Contains("'explode'", error, StringComparison.Ordinal);
        Assert.Contains("prove-now, stop, force-stop, retry, skip-epoch", error, StringComparison.Ordinal);
        Assert.Empty(_daemon.Fleet.Applied);
    }

    [Fact]
    public async Task Intent_for_unknown_service_is_404()
    {
        using var response = await _daemon.PostFromDashboardAsync("/api/v1/services/ghost/stop");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("'ghost'", await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_intent_is_409_with_the_loops_reason()
    {
        _daemon.Fleet.Refusal = "diskB_post1 has not failed; nothing to retry";
        using var response = await _daemon.PostFromDashboardAsync("/api/v1/services/diskB_post1/retry");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("diskB_post1 has not failed; nothing to retry", await ErrorOf(response));
    }

    [Fact]
    public async Task Cross_site_posts_are_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/diskB_post1/force-stop");
        request.Headers.Add("Origin", "https://evil.example");
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(_daemon.Fleet.Applied);
    }

    [Fact]
    public async Task Unknown_api_path_is_a_json_404()
    {
        using var response = await Http.GetAsync("/api/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("openapi.json", await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alerts_lists_the_open_ones()
    {
        _daemon.Fleet.Change("diskE_post1", s => s with { DagState = "failed", Phase = "not-running", DecisionMessage = "node says PostFailed" });
        using var json = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/alerts"));
        var open = json.RootElement.GetProperty("open").EnumerateArray().ToList();
        var alert = Assert.Single(open);
        Assert.Equal("proof-failed", alert.GetProperty("kind").GetString());
        Assert.Equal("diskE_post1", alert.GetProperty("service").GetString());
    }

    [Fact]
    public async Task Forecast_has_every_service_with_its_times_source_and_the_late_ones_marked()
    {
        using var json = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/forecast"));
        var root = json.RootElement;
        Assert.Equal(12 * 3600, root.GetProperty("windowSeconds").GetDouble());
        Assert.Equal(11.5 * 3600, root.GetProperty("deadlineSeconds").GetDouble());
        Assert.Equal(14u, root.GetProperty("gap").GetProperty("publishEpoch").GetUInt32());
        var rows = root.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("service").GetString()!);
        Assert.Equal(DemoFleet.Topology.Select(t => t.Name).Order(), rows.Keys.Order());

        // diskB reads 40 MiB/s (learned): 48 units of 64 GiB take about 21.8 h, so its last read ends past the deadline.
        var diskB = rows.Values.Where(r => r.GetProperty("disk").GetString() == "diskB").ToList();
        Assert.All(diskB, r => Assert.Equal("measured", r.GetProperty("source").GetString()));
        var last = diskB.MaxBy(r => r.GetProperty("endSeconds").GetDouble());
        Assert.True(last.GetProperty("pastDeadline").GetBoolean());
        Assert.True(last.GetProperty("endSeconds").GetDouble() > 21 * 3600);
        Assert.Equal("assumed", rows["diskD_post1"].GetProperty("source").GetString());
        Assert.False(rows["diskD_post1"].GetProperty("pastWindow").GetBoolean());
        var opens = root.GetProperty("gap").GetProperty("opens").GetDateTimeOffset();
        Assert.Equal(opens.AddSeconds(rows["diskD_post1"].GetProperty("endSeconds").GetDouble()), rows["diskD_post1"].GetProperty("endAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        foreach (var r in rows.Values)
        {
            Assert.True(r.GetProperty("k2PowStartSeconds").GetDouble() <= r.GetProperty("readStartSeconds").GetDouble());
            Assert.True(r.GetProperty("readStartSeconds").GetDouble() < r.GetProperty("endSeconds").GetDouble());
        }

        Assert.Contains(root.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("disk diskB:", StringComparison.Ordinal));
        Assert.Equal(200, root.GetProperty("assumptions").GetProperty("diskMibPerSecond").GetDouble());
    }

    [Fact]
    public async Task OpenApi_document_lists_every_path()
    {
        using var json = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/openapi.json"));
        var paths = json.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        string[] expected =
        [
            "/api/v1/fleet", "/api/v1/services", "/api/v1/services/{name}", "/api/v1/services/{name}/log", "/api/v1/services/{name}/runs", "/api/v1/history",
            "/api/v1/events", "/api/v1/alerts", "/api/v1/forecast", "/api/v1/fleet/pause", "/api/v1/fleet/resume", "/api/v1/services/{name}/{intent}",
        ];
        Assert.All(expected, p => Assert.Contains(p, paths));
        Assert.DoesNotContain("/metrics", paths);
        Assert.Equal("PostFleet daemon API", json.RootElement.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task Dashboard_page_and_assets_are_served()
    {
        var html = await Http.GetStringAsync("/");
        Assert.Contains("/assets/app.js", html, StringComparison.Ordinal);
        foreach (var asset in new[] { "app.js", "app.css", "dag.js", "gantt.js", "live.js", "service.js", "history.js", "overview.js", "actions.js", "format.js", "forecast.js" })
        {
            using var response = await Http.GetAsync("/assets/" + asset);
            Assert.True(response.IsSuccessStatusCode, asset);
        }
    }

    [Fact]
    public async Task Typed_client_reads_and_acts()
    {
        var client = new DaemonApiClient(Http);
        var fleet = await client.GetFleetAsync();
        Assert.Equal(10, fleet.Services.Count);
        Assert.Equal("diskA_post2", (await client.GetServiceAsync("diskA_post2")).Name);
        Assert.Equal(3, (await client.GetLogAsync("diskC_post2", 3)).Lines.Count);
        Assert.Equal(3, (await client.GetHistoryAsync("diskC_post2")).Count);
        Assert.Empty((await client.GetAlertsAsync()).Open);
        Assert.Equal(10, (await client.GetForecastAsync()).Rows.Count);
        Assert.Equal("prove-now", (await client.ApplyAsync("diskA_post1", "prove-now")).Intent);
        await client.PauseAsync();
        var error = await Assert.ThrowsAsync<DaemonApiException>(() => client.GetServiceAsync("nope"));
        Assert.True(error.NotFound);
        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Typed_client_says_when_the_daemon_is_not_there()
    {
        var client = DaemonApiClient.For(new Uri($"http://127.0.0.1:{PostFleet.Testing.FreePorts.Next()}"));
        var error = await Assert.ThrowsAsync<DaemonApiException>(() => client.GetFleetAsync());
        Assert.Equal(0, error.Status);
        Assert.Contains("cannot reach", error.Message, StringComparison.Ordinal);
    }
}

public sealed class NoPassYetTests
{
    [Fact]
    public async Task Before_the_first_pass_reads_are_503_with_reason()
    {
        await using var daemon = await TestDaemon.StartAsync(withView: false);
        using var response = await daemon.Http.GetAsync("/api/v1/fleet");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("first reconcile pass", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var forecast = await daemon.Http.GetAsync("/api/v1/forecast");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, forecast.StatusCode);
    }
}
