using System.Net;

namespace PostFleet.Daemon.K2Pow;

/// <summary>What a k2pow-service answered to one job request (post-rs <c>k2pow-service/src/main.rs</c>).</summary>
public enum WorkerReplyKind
{
    /// <summary>201: created or still in progress.</summary>
    Working,

    /// <summary>200: the nonce, in decimal, in the body.</summary>
    Done,

    /// <summary>500: the search failed; the body says why. Passed to the service unchanged: its proof fails.</summary>
    Failed,

    /// <summary>429: busy with another job.</summary>
    Busy,

    /// <summary>No answer (connection refused, reset, timed out).</summary>
    Unreachable,

    /// <summary>Any other status: not a k2pow-service, or a request it could not parse.</summary>
    Unexpected,
}

public sealed record WorkerReply(WorkerReplyKind Kind, int Status, string Body);

/// <summary>HTTP to one worker: the job path exactly as the service sent it, and <c>GET /</c> as the health check.</summary>
public sealed class WorkerClient(HttpClient http)
{
    public async Task<WorkerReply> AskAsync(Uri worker, K2PowJobKey job, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(worker, job.Path), cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var kind = response.StatusCode switch
            {
                HttpStatusCode.OK => WorkerReplyKind.Done,
                HttpStatusCode.Created => WorkerReplyKind.Working,
                HttpStatusCode.TooManyRequests => WorkerReplyKind.Busy,
                HttpStatusCode.InternalServerError => WorkerReplyKind.Failed,
                _ => WorkerReplyKind.Unexpected,
            };
            return new WorkerReply(kind, (int)response.StatusCode, body);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new WorkerReply(WorkerReplyKind.Unreachable, 0, ex.Message);
        }
    }

    /// <summary>True when <c>GET /</c> answers 200, as k2pow-service's health route does.</summary>
    public async Task<(bool Healthy, string Detail)> HealthAsync(Uri worker, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(worker, cancellationToken).ConfigureAwait(false);
            return (response.StatusCode == HttpStatusCode.OK, $"GET / answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (false, ex.Message);
        }
    }
}
