using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.Web;
using PostFleet.Daemon.Web.Client;

namespace PostFleet.Daemon.Tests;

public sealed class AccessTests
{
    private const string Token = "s3cret-token-for-tests-0123";

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://192.0.2.10:8080")]
    [InlineData("http://myhost.example:8080")]
    public async Task Refuses_to_listen_beyond_loopback_without_a_token(string listen)
    {
        var fleet = new FakeFleetControl(DemoFleet.Build(DateTimeOffset.UtcNow));
        var error = await Assert.ThrowsAsync<WebStartupException>(() =>
            DaemonWebHost.StartAsync(fleet, new WebOptions { Listen = listen }, NullLoggerFactory.Instance, CancellationToken.None));
        Assert.Contains("without an API token", error.Message, StringComparison.Ordinal);
        Assert.Contains(listen, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_tokens_are_refused_beyond_loopback_and_loopback_needs_none()
    {
        var error = Assert.Throws<WebStartupException>(() => ListenAddressPolicy.Check(new WebOptions { Listen = "http://0.0.0.0:8080", Token = "short" }));
        Assert.Contains("at least 16", error.Message, StringComparison.Ordinal);
        ListenAddressPolicy.Check(new WebOptions { Listen = "http://0.0.0.0:8080", Token = Token });
        ListenAddressPolicy.Check(new WebOptions { Listen = "http://127.0.0.1:8080" });
        ListenAddressPolicy.Check(new WebOptions { Listen = "http://localhost:8080" });
        ListenAddressPolicy.Check(new WebOptions { Listen = "http://[::1]:8080" });
        Assert.Throws<WebStartupException>(() => ListenAddressPolicy.Check(new WebOptions { Listen = "https//nonsense" }));
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "http://127.0.0.1:8080/")]
    [InlineData("localhost:8080", "http://localhost:8080/")]
    [InlineData("[::1]:8080", "http://[::1]:8080/")]
    [InlineData("http://127.0.0.1:0", "http://127.0.0.1:0/")]
    public void Host_port_without_a_scheme_means_http_on_loopback_without_a_token(string listen, string url)
    {
        Assert.Equal(new Uri(url), ListenAddressPolicy.Check(new WebOptions { Listen = listen }));
    }

    [Theory]
    [InlineData("0.0.0.0:8080")]
    [InlineData("[::]:8080")]
    [InlineData("192.0.2.10:8080")]
    [InlineData("myhost.example:8080")]
    public void Host_port_beyond_loopback_still_needs_a_long_token(string listen)
    {
        Assert.Contains("without an API token", Assert.Throws<WebStartupException>(() => ListenAddressPolicy.Check(new WebOptions { Listen = listen })).Message, StringComparison.Ordinal);
        Assert.Contains("at least 16", Assert.Throws<WebStartupException>(() => ListenAddressPolicy.Check(new WebOptions { Listen = listen, Token = "short" })).Message, StringComparison.Ordinal);
        Assert.False(ListenAddressPolicy.IsLoopback(ListenAddressPolicy.Check(new WebOptions { Listen = listen, Token = Token })));
    }

    [Theory]
    [InlineData("127.0.0.1", "web listen address '127.0.0.1' has no port; add one, e.g. 127.0.0.1:8080")]
    [InlineData("::1:8080", "web listen address '::1:8080': an IPv6 address needs brackets, e.g. [::1]:8080")]
    [InlineData("https://127.0.0.1:8080", "web listen address 'https://127.0.0.1:8080': scheme 'https' is not supported; the web side serves plain http (put a TLS proxy in front for https); use HOST:PORT or http://HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or http://127.0.0.1:8080")]
    [InlineData("127.0.0.1:99999", "web listen address '127.0.0.1:99999' is not a listen address; use HOST:PORT or http://HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or http://127.0.0.1:8080")]
    public void A_bad_listen_address_says_what_is_allowed(string listen, string message)
    {
        Assert.Equal(message, Assert.Throws<WebStartupException>(() => ListenAddressPolicy.Check(new WebOptions { Listen = listen })).Message);
    }

    [Fact]
    public async Task With_a_token_mutations_need_it_and_reads_do_not()
    {
        await using var daemon = await TestDaemon.StartAsync(o => o with { Token = Token });

        using var anonymous = await daemon.Http.PostAsync("/api/v1/services/diskB_post1/force-stop", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Bearer", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fleet/pause");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token-at-all-xx");
        using var wrongResponse = await daemon.Http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Empty(daemon.Fleet.Applied);

        using var read = await daemon.Http.GetAsync("/api/v1/fleet");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        var client = new DaemonApiClient(daemon.Http, Token);
        await client.ApplyAsync("diskB_post1", "force-stop");
        Assert.Equal([("force-stop", "diskB_post1")], daemon.Fleet.Applied);
    }

    [Fact]
    public async Task Port_zero_reports_the_bound_port()
    {
        var fleet = new FakeFleetControl(DemoFleet.Build(DateTimeOffset.UtcNow));
        await using var host = await DaemonWebHost.StartAsync(fleet, new WebOptions { Listen = "http://127.0.0.1:0" }, NullLoggerFactory.Instance, CancellationToken.None);
        Assert.NotEqual(0, host.Url.Port);
        using var http = new HttpClient { BaseAddress = host.Url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/fleet")).StatusCode);
    }
}
