using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.Web;
using PostFleet.Daemon.Web.Client;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// DNS rebinding and cross-site requests against a real daemon on loopback: a page whose name resolves to 127.0.0.1
/// sends its own name as Host and Origin; it must read nothing and change nothing.
/// </summary>
public sealed class RebindingTests
{
    private const string Token = "rebinding-token-0123456789";

    private static readonly string[] Reads =
    [
        "/", "/assets/app.js", "/metrics", "/api/v1/fleet", "/api/v1/services", "/api/v1/services/diskC_post2",
        "/api/v1/services/diskC_post2/log", "/api/v1/services/diskC_post2/runs", "/api/v1/history", "/api/v1/forecast", "/api/v1/alerts", "/api/v1/events",
        "/api/v1/openapi.json",
    ];

    [Fact]
    public async Task A_rebound_name_reads_nothing()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var evil = $"evil.example:{daemon.Host.Url.Port}";
        foreach (var path in Reads)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = evil;
            request.Headers.Add("Origin", $"http://{evil}");
            using var response = await daemon.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode == HttpStatusCode.MisdirectedRequest, $"GET {path} with Host {evil}: {(int)response.StatusCode}");
            var error = await ErrorOf(response);
            Assert.Contains($"Host '{evil}' is not served here", error, StringComparison.Ordinal);
            Assert.Contains("api.allowed-hosts", error, StringComparison.Ordinal);
            Assert.DoesNotContain("diskC_post2", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/api/v1/fleet/pause")]
    [InlineData("/api/v1/services/diskB_post1/force-stop")]
    public async Task A_rebound_name_changes_nothing_even_as_its_own_origin(string path)
    {
        await using var daemon = await TestDaemon.StartAsync();
        var evil = $"evil.example:{daemon.Host.Url.Port}";
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Host = evil;
        request.Headers.Add("Origin", $"http://{evil}");
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        using var response = await daemon.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Empty(daemon.Fleet.Applied);
    }

    [Theory]
    [InlineData("https://evil.example", "cross-site")]
    [InlineData("https://evil.example", null)]
    [InlineData(null, "cross-site")]
    [InlineData(null, "same-site")]
    [InlineData("null", null)]
    [InlineData(null, null)] // an old browser's form POST may carry neither header
    public async Task A_cross_site_form_post_is_refused(string? origin, string? fetchSite)
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/diskB_post1/force-stop")
        {
            Content = new FormUrlEncodedContent([new("confirm", "yes")]),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
            request.Headers.Add("Sec-Fetch-Mode", "navigate");
        }

        using var response = await daemon.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("dashboard", await ErrorOf(response), StringComparison.Ordinal);
        Assert.Empty(daemon.Fleet.Applied);
    }

    [Fact]
    public async Task Another_port_on_loopback_is_another_origin()
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fleet/pause");
        request.Headers.Add("Origin", $"http://127.0.0.1:{daemon.Host.Url.Port + 1}");
        using var response = await daemon.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(daemon.Fleet.Applied);
    }

    [Theory]
    [InlineData("origin", null)]
    [InlineData(null, "same-origin")]
    [InlineData(null, "none")]
    [InlineData("localhost", null)]
    public async Task The_dashboard_itself_may_act_without_a_token_on_loopback(string? origin, string? fetchSite)
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fleet/pause");
        if (origin == "localhost")
        {
            request.Headers.Host = $"localhost:{daemon.Host.Url.Port}";
            request.Headers.Add("Origin", $"http://localhost:{daemon.Host.Url.Port}");
        }
        else if (origin is not null)
        {
            request.Headers.Add("Origin", daemon.Host.Url.GetLeftPart(UriPartial.Authority));
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        using var response = await daemon.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal([("pause", null)], daemon.Fleet.Applied);
    }

    [Fact]
    public async Task With_a_token_the_dashboards_origin_is_not_enough_and_a_missing_or_wrong_token_is_401()
    {
        await using var daemon = await TestDaemon.StartAsync(o => o with { Token = Token });

        using var missing = await daemon.PostFromDashboardAsync("/api/v1/services/diskB_post1/force-stop");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/diskB_post1/force-stop");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
        using var wrongResponse = await daemon.Http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);

        // The token does not make a cross-site request acceptable: a browser never sends it cross-site unless a
        // page got hold of it.
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/diskB_post1/force-stop");
        crossSite.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        crossSite.Headers.Add("Origin", "https://evil.example");
        using var crossSiteResponse = await daemon.Http.SendAsync(crossSite);
        Assert.Equal(HttpStatusCode.Forbidden, crossSiteResponse.StatusCode);
        Assert.Empty(daemon.Fleet.Applied);

        await new DaemonApiClient(daemon.Http, Token).ApplyAsync("diskB_post1", "force-stop");
        Assert.Equal([("force-stop", "diskB_post1")], daemon.Fleet.Applied);
    }

    [Fact]
    public async Task Beyond_loopback_the_token_is_required_and_rebinding_is_still_refused()
    {
        var port = FreePorts.Next();
        await using var daemon = await TestDaemon.StartAsync(o => o with { Listen = $"http://0.0.0.0:{port}", Token = Token });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/fleet")).StatusCode);
        using var anonymous = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fleet/pause");
        anonymous.Headers.Add("Origin", $"http://127.0.0.1:{port}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(anonymous)).StatusCode);

        using var rebound = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fleet/pause");
        rebound.Headers.Host = $"evil.example:{port}";
        rebound.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await http.SendAsync(rebound)).StatusCode);
        Assert.Empty(daemon.Fleet.Applied);

        await new DaemonApiClient(http, Token).PauseAsync();
        Assert.Equal([("pause", null)], daemon.Fleet.Applied);
    }

    [Fact]
    public async Task A_name_in_api_allowed_hosts_is_served_as_behind_a_reverse_proxy()
    {
        var result = FleetConfigLoader.Parse(MinimalConfig + "api:\n  allowed-hosts: [fleet.example.org, \"other.example:8443\"]\n", "/srv/conf", "postfleet.yaml");
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var configured = ConfiguredWebOptions.Build(result.Spec!, new WebOverrides());
        await using var daemon = await TestDaemon.StartAsync(o => o with { AllowedHosts = configured.AllowedHosts });

        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/v1/fleet");
        read.Headers.Host = "fleet.example.org";
        Assert.Equal(HttpStatusCode.OK, (await daemon.Http.SendAsync(read)).StatusCode);

        using var act = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fleet/pause");
        act.Headers.Host = "fleet.example.org";
        act.Headers.Add("Origin", "https://fleet.example.org");
        Assert.Equal(HttpStatusCode.Accepted, (await daemon.Http.SendAsync(act)).StatusCode);

        using var wrongPort = new HttpRequestMessage(HttpMethod.Get, "/api/v1/fleet");
        wrongPort.Headers.Host = "other.example:443";
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await daemon.Http.SendAsync(wrongPort)).StatusCode);
        using var rightPort = new HttpRequestMessage(HttpMethod.Get, "/api/v1/fleet");
        rightPort.Headers.Host = "OTHER.example:8443";
        Assert.Equal(HttpStatusCode.OK, (await daemon.Http.SendAsync(rightPort)).StatusCode);
        Assert.Equal([("pause", null)], daemon.Fleet.Applied);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "127.0.0.1:8080", true)]
    [InlineData("http://127.0.0.1:8080", "localhost:8080", true)]
    [InlineData("http://127.0.0.1:8080", "LOCALHOST:8080", true)]
    [InlineData("http://127.0.0.1:8080", "127.0.0.1:8081", false)]
    [InlineData("http://127.0.0.1:8080", "127.0.0.1", false)]
    [InlineData("http://127.0.0.1:8080", "evil.example:8080", false)]
    [InlineData("http://127.0.0.1:8080", "localhost.evil.example:8080", false)]
    [InlineData("http://127.0.0.1:8080", "127.0.0.1.nip.io:8080", false)]
    [InlineData("http://127.0.0.1:8080", "", false)]
    [InlineData("http://[::1]:8080", "[::1]:8080", true)]
    [InlineData("http://[::1]:8080", "localhost:8080", true)]
    [InlineData("http://localhost:8080", "127.0.0.1:8080", true)]
    [InlineData("http://localhost:8080", "[::1]:8080", true)]
    [InlineData("http://localhost:8080", "192.0.2.1:8080", false)]
    [InlineData("http://192.0.2.10:8080", "192.0.2.10:8080", true)]
    [InlineData("http://192.0.2.10:8080", "localhost:8080", false)]
    [InlineData("http://192.0.2.10:8080", "192.0.2.11:8080", false)]
    [InlineData("http://0.0.0.0:8080", "192.0.2.11:8080", true)]
    [InlineData("http://0.0.0.0:8080", "myhost.example:8080", false)]
    [InlineData("http://myhost.example:8080", "myhost.example:8080", true)]
    [InlineData("http://127.0.0.1:80", "127.0.0.1", true)]
    public void Host_rule(string listen, string host, bool allowed)
    {
        var guard = new HostGuard(new Uri(listen), []);
        Assert.Equal(allowed, guard.Allows(new HostString(host), new Uri(listen).Port));
    }

    private const string MinimalConfig =
        "node: { post-listener: http://127.0.0.1:9094, data-dir: ../node_data }\n" +
        "disks: [{ name: diskA, services: [{ name: diskA_post1, dir: ../post/diskA_post1, num-units: 4, operator: 127.0.0.1:10051 }] }]\n";

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetString()!;
    }
}
