using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace PostFleet.Daemon.Alerts;

public sealed record AlertSenderOptions
{
    public int MaxRetries { get; init; } = 3;

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Per attempt: a webhook that hangs must not hold the alerts behind it for long.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// POSTs one alert change to every configured webhook, each with its own retries (exponential, on network errors,
/// timeouts, 429 and 5xx) and a per-attempt timeout. A webhook that keeps failing is logged (redacted) and given up
/// on; it never blocks the others or the loop.
/// </summary>
public sealed class AlertSender
{
    private readonly HttpClient _http;
    private IReadOnlyList<WebhookTarget> _targets;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;

    public AlertSender(HttpClient http, IReadOnlyList<WebhookTarget> targets, AlertSenderOptions options, TimeProvider time, ILogger logger)
    {
        _http = http;
        _targets = targets;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.FirstRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutRejectedException>().Handle<RetryableWebhookStatus>(),
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>Where alerts go; replaced as a whole when a config reload changes alerts.webhooks.</summary>
    public IReadOnlyList<WebhookTarget> Targets
    {
        get => Volatile.Read(ref _targets);
        set => Volatile.Write(ref _targets, value);
    }

    public async Task SendAsync(AlertChange change, CancellationToken cancellationToken)
    {
        await Task.WhenAll(Targets.Where(t => t.Accepts(change.Alert.Severity)).Select(t => SendOneAsync(t, change, cancellationToken)));
    }

    private async Task SendOneAsync(WebhookTarget target, AlertChange change, CancellationToken cancellationToken)
    {
        var body = WebhookBodies.For(target, change);
        try
        {
            await _pipeline.ExecuteAsync(async token =>
            {
                using var response = await _http.PostAsJsonAsync(target.Url, body, token);
                if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
                {
                    throw new RetryableWebhookStatus(response.StatusCode);
                }

                if (!response.IsSuccessStatusCode)
                {
                    // 4xx other than 429: the URL or body is wrong; retrying will not help.
                    _logger.LogWarning("{Target} refused alert {Key} with HTTP {Status}", target, change.Alert.Key, (int)response.StatusCode);
                }
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or RetryableWebhookStatus)
        {
            // ex.Message only: some handlers put the full request URL (the secret) into exception data, not the message.
            _logger.LogWarning("giving up on {Target} for alert {Key}: {Reason}", target, change.Alert.Key, Redact(ex.Message, target));
        }
    }

    private static string Redact(string message, WebhookTarget target) =>
        message.Replace(target.Url.ToString(), target.Redacted, StringComparison.Ordinal);

    private sealed class RetryableWebhookStatus(HttpStatusCode status) : Exception($"HTTP {(int)status}");
}
