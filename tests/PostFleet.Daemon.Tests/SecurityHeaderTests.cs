using System.Net;
using PostFleet.Daemon.Tests.Fakes;

namespace PostFleet.Daemon.Tests;

/// <summary>Every answer, the dashboard's, the API's, errors and refusals alike, carries the security headers.</summary>
public sealed class SecurityHeaderTests
{
    [Theory]
    [InlineData("GET", "/", null, HttpStatusCode.OK)]
    [InlineData("GET", "/assets/app.js", null, HttpStatusCode.OK)]
    [InlineData("GET", "/assets/nothing.js", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/metrics", null, HttpStatusCode.OK)]
    [InlineData("GET", "/api/v1/fleet", null, HttpStatusCode.OK)]
    [InlineData("GET", "/api/v1/nothing", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/v1/fleet", "evil.example", HttpStatusCode.MisdirectedRequest)]
    [InlineData("POST", "/api/v1/fleet/pause", null, HttpStatusCode.Forbidden)]
    public async Task Every_answer_carries_them(string method, string path, string? host, HttpStatusCode status)
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (host is not null)
        {
            request.Headers.Host = $"{host}:{daemon.Host.Url.Port}";
        }

        using var response = await daemon.Http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task The_dashboard_has_no_inline_script_style_or_handler()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var html = await daemon.Http.GetStringAsync("/");
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", html);
        Assert.DoesNotMatch(@"<style\b", html);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", html);
        Assert.DoesNotMatch(@"\sstyle\s*=", html);
    }
}
