using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests.Fakes;

/// <summary>
/// A loopback Kestrel that records every POST body by path. The first POST under <c>/generic</c> gets a 503, so a
/// test sending there exercises the retries; other paths always get 200.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _genericCalls;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, JsonObject Body)> Received { get; } = new();

    public string Url { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = FreePorts.Next();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app) { Url = $"http://127.0.0.1:{port}" };
        app.MapPost("/{**path}", async (HttpContext context, string path) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            if (path.StartsWith("generic", StringComparison.Ordinal) && Interlocked.Increment(ref receiver._genericCalls) == 1)
            {
                return Results.StatusCode(503);
            }

            receiver.Received.Enqueue((path, body));
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public JsonObject[] For(string prefix) => [.. Received.Where(r => r.Path.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r.Body)];

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
