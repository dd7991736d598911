using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;

namespace PostFleet.Daemon.K2Pow;

/// <summary>
/// The router's own listener, apart from the dashboard and API: post-services cannot send a token or a chosen Host,
/// and the router has nothing to hide (job parameters are public chain data) but CPU to spend. So it serves only the
/// two k2pow-service routes, <c>GET /</c> and <c>GET /job/...</c>; a client must be on loopback or in
/// <c>k2pow.allow-from</c> (validate refuses a non-loopback listen without it); and a request a browser sent (Origin or
/// Sec-Fetch-Site other than none) is refused, so a web page cannot make this machine compute (DNS rebinding).
/// </summary>
public static class RouterListener
{
    public static async Task<WebApplication> StartAsync(K2PowPoolSpec pool, K2PowRouter router, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        // No file watching (the default reloads appsettings.json, watching the working directory recursively).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [Web.DaemonWebHost.NoConfigReload] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(pool.Listen));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (Refusal(context, pool.AllowFrom) is { } why)
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync(why, context.RequestAborted);
                return;
            }

            await next(context);
        });
        app.MapGet("/", () => Results.Text("{ 'message': 'ok' }", "text/plain; charset=utf-8"));
        app.MapGet("/job/{miner}/{group}/{challenge}/{difficulty}", (string miner, string group, string challenge, string difficulty) =>
        {
            if (K2PowJobKey.TryParse(miner, group, challenge, difficulty, out var problem) is not { } key)
            {
                return Results.Text(problem, "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            var (status, body) = router.Answer(key);
            return status == StatusCodes.Status201Created ? Results.StatusCode(status) : Results.Text(body, "text/plain; charset=utf-8", statusCode: status);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return app;
    }

    /// <summary>Why a request is refused, or null when it may be served.</summary>
    public static string? Refusal(HttpContext context, IReadOnlyList<IPNetwork> allowFrom)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(allowFrom);
        var headers = context.Request.Headers;
        if (headers.Origin.Count > 0 || (headers.TryGetValue("Sec-Fetch-Site", out var site) && site.ToString() != "none"))
        {
            return "the k2pow router serves post-services, not browsers";
        }

        var remote = context.Connection.RemoteIpAddress;
        if (remote is null || IPAddress.IsLoopback(remote))
        {
            return null;
        }

        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        return allowFrom.Any(n => n.Contains(address)) ? null : $"{address} is not in k2pow.allow-from";
    }
}
