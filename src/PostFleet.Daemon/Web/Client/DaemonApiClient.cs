using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Api;

namespace PostFleet.Daemon.Web.Client;

/// <summary>
/// The typed client `postfleet status` and the other CLI verbs use to talk to a running daemon. Errors come back
/// as <see cref="DaemonApiException"/> carrying the daemon's own explanation.
/// </summary>
public sealed class DaemonApiClient(HttpClient http, string? token = null)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>A client for a daemon at <paramref name="baseUrl"/> (e.g. http://127.0.0.1:8080).</summary>
    public static DaemonApiClient For(Uri baseUrl, string? token = null, TimeSpan? timeout = null) =>
        new(new HttpClient { BaseAddress = baseUrl, Timeout = timeout ?? TimeSpan.FromSeconds(10) }, token);

    public Task<FleetView> GetFleetAsync(CancellationToken ct = default) => GetAsync<FleetView>("api/v1/fleet", ct);

    public Task<IReadOnlyList<ServiceView>> GetServicesAsync(CancellationToken ct = default) => GetAsync<IReadOnlyList<ServiceView>>("api/v1/services", ct);

    public Task<ServiceView> GetServiceAsync(string name, CancellationToken ct = default) => GetAsync<ServiceView>($"api/v1/services/{Uri.EscapeDataString(name)}", ct);

    public Task<LogTailView> GetLogAsync(string name, int lines = 200, CancellationToken ct = default) =>
        GetAsync<LogTailView>($"api/v1/services/{Uri.EscapeDataString(name)}/log?lines={lines}", ct);

    public Task<IReadOnlyList<HistoryEntryView>> GetHistoryAsync(string? service = null, int limit = 100, CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<HistoryEntryView>>($"api/v1/history?limit={limit}" + (service is null ? "" : $"&service={Uri.EscapeDataString(service)}"), ct);

    public Task<RunsView> GetRunsAsync(string name, int limit = 20, CancellationToken ct = default) =>
        GetAsync<RunsView>($"api/v1/services/{Uri.EscapeDataString(name)}/runs?limit={limit}", ct);

    public Task<ForecastView> GetForecastAsync(CancellationToken ct = default) => GetAsync<ForecastView>("api/v1/forecast", ct);

    public Task<AlertsView> GetAlertsAsync(CancellationToken ct = default) => GetAsync<AlertsView>("api/v1/alerts", ct);

    public Task<IntentAccepted> PauseAsync(CancellationToken ct = default) => PostAsync("api/v1/fleet/pause", ct);

    public Task<IntentAccepted> ResumeAsync(CancellationToken ct = default) => PostAsync("api/v1/fleet/resume", ct);

    /// <summary>prove-now, stop, force-stop, retry or skip-epoch (see <see cref="ServiceIntents"/>).</summary>
    public Task<IntentAccepted> ApplyAsync(string service, string intent, CancellationToken ct = default) =>
        PostAsync($"api/v1/services/{Uri.EscapeDataString(service)}/{Uri.EscapeDataString(intent)}", ct);

    private async Task<T> GetAsync<T>(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync<T>(request, ct);
    }

    private async Task<IntentAccepted> PostAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        // Not a browser, so it may say where it is from: the daemon's own origin, which is what lets an action
        // through on a daemon without a token (pages cannot forge this header).
        if (http.BaseAddress is { } baseAddress)
        {
            request.Headers.Add("Origin", baseAddress.GetLeftPart(UriPartial.Authority));
        }

        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await SendAsync<IntentAccepted>(request, ct);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new DaemonApiException(0, $"cannot reach the PostFleet daemon at {http.BaseAddress}: {ex.Message} (is `postfleet run` running?)", ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return (await response.Content.ReadFromJsonAsync<T>(Json, ct))
                    ?? throw new DaemonApiException((int)response.StatusCode, $"the daemon answered {request.RequestUri} with an empty body");
            }

            throw new DaemonApiException((int)response.StatusCode, await ErrorTextAsync(response, ct));
        }
    }

    private static async Task<string> ErrorTextAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var error = await response.Content.ReadFromJsonAsync<ApiError>(Json, ct);
            if (!string.IsNullOrEmpty(error?.Error))
            {
                return error.Error;
            }
        }
        catch (JsonException)
        {
        }

        return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
    }
}

/// <summary>The daemon refused a request, or could not be reached (<see cref="Status"/> 0).</summary>
public sealed class DaemonApiException(int status, string message, Exception? inner = null) : Exception(message, inner)
{
    public int Status { get; } = status;

    public bool NotFound => Status == (int)HttpStatusCode.NotFound;
}
