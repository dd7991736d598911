using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Web.Api;

/// <summary>The REST API under /api/v1. Handlers only validate and translate; state and decisions live in the loop.</summary>
internal static class FleetApi
{
    public const int DefaultLogLines = 200;
    public const int MaxLogLines = 5000;
    public const int DefaultHistoryLimit = 100;
    public const int MaxHistoryLimit = 1000;
    public const int DefaultRunsLimit = 20;
    public const int MaxRunsLimit = 1000;

    /// <summary>What Results.Ok says of its JSON, for the bodies served as bytes made once (<see cref="LatestJson{T}"/>).</summary>
    private const string JsonContent = "application/json; charset=utf-8";

    private const string NoPassYet = "the daemon has not finished its first reconcile pass yet; try again in a moment";

    public static void Map(WebApplication app, IFleetControl control, FleetEventHub hub, AlertMonitor alerts, WebOptions options)
    {
        var api = app.MapGroup("/api/v1").WithTags("fleet");

        var forecasts = new LatestJson<ForecastView>();
        api.MapGet("/fleet", () => control.Current is { } view ? Results.Bytes(hub.Json(view), JsonContent) : ApiResults.Error(503, NoPassYet))
            .WithName("GetFleet").WithSummary("The whole fleet as of the last reconcile pass.")
            .Produces<FleetView>().Produces<ApiError>(503);

        api.MapGet("/services", () => control.Current is { } view ? Results.Ok(view.Services) : ApiResults.Error(503, NoPassYet))
            .WithName("ListServices").WithSummary("Every post-service, in disk and config order.")
            .Produces<IReadOnlyList<ServiceView>>().Produces<ApiError>(503);

        api.MapGet("/services/{name}", (string name) => FindService(control, name, out var service, out var error) ? Results.Ok(service) : error)
            .WithName("GetService").WithSummary("One post-service.")
            .Produces<ServiceView>().Produces<ApiError>(404);

        api.MapGet("/services/{name}/log", async (string name, string? lines, CancellationToken ct) =>
            {
                if (!FindService(control, name, out var service, out var error))
                {
                    return error;
                }

                if (!TryRange(lines, DefaultLogLines, MaxLogLines, out var count))
                {
                    return ApiResults.Error(400, $"lines must be a whole number from 1 to {MaxLogLines}; got '{lines}'");
                }

                return await control.ReadLogAsync(service, count, ct) is { } tail
                    ? Results.Ok(new LogTailView(name, service.LogPath ?? service.InstanceId ?? "", tail))
                    : ApiResults.Error(404, $"service '{name}' has no log yet (it has not run under this daemon, or its log was removed)");
            })
            .WithName("GetServiceLog").WithSummary($"The last N lines (lines=1..{MaxLogLines}, default {DefaultLogLines}) of the service's log.")
            .Produces<LogTailView>().Produces<ApiError>(400).Produces<ApiError>(404);

        api.MapGet("/services/{name}/runs", (string name, string? limit) =>
            {
                if (!FindService(control, name, out _, out var error))
                {
                    return error;
                }

                if (!TryRange(limit, DefaultRunsLimit, MaxRunsLimit, out var count))
                {
                    return ApiResults.Error(400, $"limit must be a whole number from 1 to {MaxRunsLimit}; got '{limit}'");
                }

                try
                {
                    return control.Runs(name, count) is { } runs ? Results.Ok(runs) : ApiResults.Error(503, NoPassYet);
                }
                catch (Storage.HistoryUnavailableException ex)
                {
                    return ApiResults.Error(503, ex.Message);
                }
            })
            .WithName("GetServiceRuns").WithSummary($"The service's run journal, newest first (limit=1..{MaxRunsLimit}, default {DefaultRunsLimit}): each run's phases (k2pow and read per pass) with times, seconds, bytes and rate, its delivery and how it ended.")
            .Produces<RunsView>().Produces<ApiError>(400).Produces<ApiError>(404).Produces<ApiError>(503);

        api.MapGet("/history", (string? service, string? limit) =>
            {
                if (!string.IsNullOrEmpty(service) && !FindService(control, service, out _, out var error))
                {
                    return error;
                }

                if (!TryRange(limit, DefaultHistoryLimit, MaxHistoryLimit, out var count))
                {
                    return ApiResults.Error(400, $"limit must be a whole number from 1 to {MaxHistoryLimit}; got '{limit}'");
                }

                try
                {
                    return Results.Ok(control.History(string.IsNullOrEmpty(service) ? null : service, count));
                }
                catch (Storage.HistoryUnavailableException ex)
                {
                    return ApiResults.Error(503, ex.Message);
                }
            })
            .WithName("GetHistory").WithSummary($"Decisions, actions and deliveries, newest first (service optional; limit=1..{MaxHistoryLimit}, default {DefaultHistoryLimit}).")
            .Produces<IReadOnlyList<HistoryEntryView>>().Produces<ApiError>(400).Produces<ApiError>(404).Produces<ApiError>(503);

        api.MapGet("/forecast", () => control.Forecast is { } forecast ? Results.Bytes(forecasts.Of(forecast), JsonContent) : ApiResults.Error(503, NoPassYet))
            .WithName("GetForecast").WithSummary("The predicted schedule of the open (else the next) cycle gap with the daemon's learned estimates: per service k2pow start, read start and end in seconds from the gap's opening (and as times), measured or assumed, window, deadline, makespan, warnings.")
            .Produces<ForecastView>().Produces<ApiError>(503);

        api.MapGet("/alerts", () => Results.Ok(new AlertsView(alerts.Open, alerts.Recent,
                [.. alerts.Webhooks.Select(w => new WebhookView(w.Format.ToString().ToLowerInvariant(), w.Redacted))])))
            .WithName("GetAlerts").WithSummary("Open alerts, recent fired/resolved changes, and the configured webhooks (scheme and host only).")
            .Produces<AlertsView>();

        // Cast to Delegate: as a plain RequestDelegate it would get no OpenAPI metadata.
        api.MapGet("/events", (Delegate)((HttpContext context) => EventStreamEndpoint.StreamAsync(context, hub, options, app.Lifetime.ApplicationStopping)))
            .WithName("StreamEvents").WithSummary("Server-sent events: `fleet` (FleetView JSON, id = pass) after every pass, `alerts` when alerts change, `: heartbeat` comments.")
            .Produces(200, contentType: "text/event-stream");

        var guard = new MutationGuard(options.Token);
        var actions = api.MapGroup("").AddEndpointFilter(guard).WithTags("actions");

        actions.MapPost("/fleet/pause", () => ApplyIntent(control, "pause", null))
            .WithName("PauseFleet").WithSummary("Start nothing new; running services finish.")
            .Produces<IntentAccepted>(202).Produces<ApiError>(401).Produces<ApiError>(409);

        actions.MapPost("/fleet/resume", () => ApplyIntent(control, "resume", null))
            .WithName("ResumeFleet").WithSummary("Undo pause.")
            .Produces<IntentAccepted>(202).Produces<ApiError>(401).Produces<ApiError>(409);

        actions.MapPost("/services/{name}/{intent}", (string name, string intent) =>
            {
                if (!FindService(control, name, out _, out var error))
                {
                    return error;
                }

                if (!ServiceIntents.IsKnown(intent))
                {
                    return ApiResults.Error(400, $"unknown intent '{intent}'; valid intents: {string.Join(", ", ServiceIntents.All)}");
                }

                return ApplyIntent(control, intent, name);
            })
            .WithName("ApplyServiceIntent").WithSummary($"One of {string.Join(", ", ServiceIntents.All)}. force-stop kills a proving service: all its proving progress is lost.")
            .Produces<IntentAccepted>(202).Produces<ApiError>(400).Produces<ApiError>(401).Produces<ApiError>(404).Produces<ApiError>(409);

        // Anything else under /api answers in the same JSON shape instead of an empty 404.
        app.MapFallback("/api/{**rest}", (HttpContext context) =>
                ApiResults.Error(404, $"no endpoint {context.Request.Method} {context.Request.Path}; see /api/v1/openapi.json"))
            .ExcludeFromDescription();
    }

    private static IResult ApplyIntent(IFleetControl control, string intent, string? service)
    {
        var refusal = control.Apply(intent, service);
        return refusal is null
            ? Results.Json(new IntentAccepted(intent, service, "accepted; the reconcile loop carries it out on its next pass"), statusCode: 202)
            : ApiResults.Error(409, refusal);
    }

    private static bool FindService(IFleetControl control, string name, out ServiceView service, out IResult error)
    {
        var view = control.Current;
        service = view?.Services.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))!;
        if (view is null)
        {
            error = ApiResults.Error(503, NoPassYet);
            return false;
        }

        // Only a miss pays for the list: at 1,000 identities it is 15 kB, and the dashboard asks for a service's log
        // and runs several times a second.
        error = service is null ? ApiResults.Error(404, $"unknown service '{name}'; this fleet has: {string.Join(", ", view.Services.Select(s => s.Name))}") : null!;
        return service is not null;
    }

    private static bool TryRange(string? text, int fallback, int max, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max;
    }
}
