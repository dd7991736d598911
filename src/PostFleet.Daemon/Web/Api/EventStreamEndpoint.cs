using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace PostFleet.Daemon.Web.Api;

/// <summary>
/// GET /api/v1/events: text/event-stream. `event: fleet` (id = pass number, data = FleetView JSON) on connect and
/// after every pass, `event: alerts` (data = {"open":[...]}) on connect and whenever alerts change, and a
/// `: heartbeat` comment when nothing was sent for a while. With <c>?changes=1</c> (the dashboard), only the first
/// view is whole and each later pass is an `event: fleet-changes` (id = pass, data = {"base","pass","set","services"}:
/// the top-level members and the services that differ from pass `base`).
/// </summary>
internal static class EventStreamEndpoint
{
    public static async Task StreamAsync(HttpContext context, FleetEventHub hub, WebOptions options, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var token = linked.Token;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        using var subscription = hub.Subscribe(changes: context.Request.Query["changes"] == "1");
        try
        {
            await WriteAsync(response, Encoding.UTF8.GetBytes("retry: 3000\n\n"), token);
            while (!token.IsCancellationRequested)
            {
                var message = await NextAsync(subscription, options, token);
                await WriteAsync(response, message ?? Encoding.UTF8.GetBytes($": heartbeat {options.Time.GetUtcNow():O}\n\n"), token);
            }
        }
        catch (OperationCanceledException)
        {
            // Browser went away or the daemon is stopping: both end the stream normally.
        }
        catch (IOException)
        {
        }
        catch (ChannelClosedException)
        {
            // A changes queue overflowed: ending the stream makes the client reconnect to a whole view.
        }
    }

    private static async Task<byte[]?> NextAsync(FleetEventHub.Subscription subscription, WebOptions options, CancellationToken token)
    {
        if (subscription.Messages.TryRead(out var ready))
        {
            return ready;
        }

        using var quiet = new CancellationTokenSource(options.Heartbeat, options.Time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(token, quiet.Token);
        try
        {
            return await subscription.Messages.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpResponse response, byte[] message, CancellationToken token)
    {
        await response.Body.WriteAsync(message, token);
        await response.Body.FlushAsync(token);
    }
}
