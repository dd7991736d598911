using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Api;
using PostFleet.Daemon.Web.Dashboard;
using PostFleet.Daemon.Web.Metrics;
using Prometheus;

namespace PostFleet.Daemon.Web;

/// <summary>
/// The daemon's web side on Kestrel: dashboard, REST API + OpenAPI, server-sent events, /metrics, and the alert
/// monitor. It depends only on <see cref="IFleetControl"/>, so it runs against a fake as well as the real loop.
/// </summary>
public static class DaemonWebHost
{
    /// <summary>
    /// The host's default reloads appsettings.json on change, watching its content root recursively with inotify;
    /// nothing here reads one, and a watched folder that proofs write to costs a thread woken on every write.
    /// </summary>
    internal const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    public static async Task<RunningWebHost> StartAsync(IFleetControl control, WebOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var listen = ListenAddressPolicy.Check(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DaemonWebHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [NoConfigReload],
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseUrls(listen.GetLeftPart(UriPartial.Authority));
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "PostFleet daemon API";
            document.Info.Description = "Fleet state, per-service logs and history, user intents, and a server-sent event stream. Only requests whose Host is the listen address or a name in api.allowed-hosts are served. Mutations need 'Authorization: Bearer <token>' when a token is configured, else a same-origin Origin (or Sec-Fetch-Site same-origin/none).";
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        var logger = loggerFactory.CreateLogger("PostFleet.Web");
        var metrics = new FleetMetrics();
        var ownsWebhookClient = options.WebhookClient is null;
        var webhookClient = options.WebhookClient ?? new HttpClient();
        // Always a sender, even with no webhook yet: a config reload may add some.
        var sender = new AlertSender(webhookClient, options.Webhooks, options.AlertSender, options.Time, loggerFactory.CreateLogger<AlertSender>());
        var alerts = new AlertMonitor(control, new AlertEvaluator(options.AlertRules), sender, options.Time, loggerFactory.CreateLogger<AlertMonitor>());
        var hub = new FleetEventHub(control, alerts, options.Time, options.EventInterval);

        // Until the loop calls ObservePass itself, every published view is still the one the gauges show.
        Action<FleetView> observe = metrics.Publish;
        control.Updated += observe;
        if (control.Current is { } current)
        {
            metrics.Publish(current);
        }

        var hosts = new HostGuard(listen, options.AllowedHosts);
        app.Use(SecurityHeaders.InvokeAsync);
        app.Use(hosts.InvokeAsync);
        app.MapOpenApi("/api/v1/openapi.json");
        FleetApi.Map(app, control, hub, alerts, options);
        DashboardAssets.Map(app);
        K2PowApi.Map(app, options.K2Pow);
        K2PowMetrics.Register(metrics.Registry, options.K2Pow);
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        }).ExcludeFromDescription();

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            control.Updated -= observe;
            hub.Dispose();
            await alerts.DisposeAsync();
            await app.DisposeAsync();
            throw;
        }

        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        logger.LogInformation("dashboard and API on {Url} (webhooks: {Webhooks})", url, options.Webhooks.Count == 0 ? "none" : string.Join(", ", options.Webhooks));
        return new RunningWebHost(app, new Uri(url), metrics, alerts, hub, async () =>
        {
            control.Updated -= observe;
            hub.Dispose();
            await alerts.DisposeAsync();
            if (ownsWebhookClient)
            {
                webhookClient.Dispose();
            }
        });
    }
}

/// <summary>The running web side: where it listens, the metrics the loop feeds, and the alerts it keeps.</summary>
public sealed class RunningWebHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<Task> _cleanup;

    internal RunningWebHost(WebApplication app, Uri url, FleetMetrics metrics, AlertMonitor alerts, FleetEventHub events, Func<Task> cleanup)
    {
        _app = app;
        Url = url;
        Metrics = metrics;
        Alerts = alerts;
        Events = events;
        _cleanup = cleanup;
    }

    /// <summary>The bound URL (the real port when 0 was asked for).</summary>
    public Uri Url { get; }

    /// <summary>
    /// Every route the web side maps (method and pattern, e.g. GET /api/v1/services/{name}/log), read from the
    /// routing table itself, so a test that must cover every endpoint covers a new one without being told.
    /// </summary>
    public IReadOnlyList<WebRoute> Routes =>
    [
        .. ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new WebRoute(m, "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Distinct(),
    ];

    /// <summary>The loop calls <see cref="FleetMetrics.ObservePass"/> on this after every pass.</summary>
    public FleetMetrics Metrics { get; }

    public AlertMonitor Alerts { get; }

    internal FleetEventHub Events { get; }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _cleanup();
        await _app.DisposeAsync();
    }
}

/// <summary>One mapped route: an HTTP method and its pattern with {parameters}.</summary>
public sealed record WebRoute(string Method, string Pattern);
