using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

public sealed class WebhookTests
{
    /// <summary>A loopback Kestrel that records every POST body by path; the first generic POST gets a 503 to exercise retries.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _genericCalls;

        private Receiver(WebApplication app) => _app = app;

        public ConcurrentQueue<(string Path, JsonObject Body)> Received { get; } = new();

        public string Url { get; private set; } = "";

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            var port = FreePorts.Next();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            var receiver = new Receiver(app) { Url = $"http://127.0.0.1:{port}" };
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

    [Fact]
    public async Task A_failed_proof_and_its_resolution_reach_every_webhook_in_its_format()
    {
        await using var receiver = await Receiver.StartAsync();
        WebhookTarget[] targets =
        [
            WebhookTarget.Parse($"generic:{receiver.Url}/generic/SECRET-G"),
            WebhookTarget.Parse($"discord:{receiver.Url}/discord/SECRET-D"),
            WebhookTarget.Parse($"slack:{receiver.Url}/slack/SECRET-S"),
            WebhookTarget.Parse($"telegram:{receiver.Url}/telegram/botSECRET-T/sendMessage", "-100123"),
        ];
        await using var daemon = await TestDaemon.StartAsync(o => o with
        {
            Webhooks = targets,
            AlertSender = new AlertSenderOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromSeconds(5) },
        });

        daemon.Fleet.Change("diskB_post2", s => s with { DagState = "failed", Phase = "not-running", DecisionMessage = "node reported PostFailed" });
        await Eventually.UntilAsync(() => receiver.Received.Count >= 4, "four firing webhooks", TimeSpan.FromSeconds(20));

        var generic = Assert.Single(receiver.For("generic"));
        Assert.Equal("firing", (string?)generic["status"]);
        Assert.Equal("proof-failed", (string?)generic["kind"]);
        Assert.Equal("diskB_post2", (string?)generic["service"]);
        Assert.Equal("postfleet", (string?)generic["source"]);
        Assert.Contains("node reported PostFailed", (string?)generic["message"], StringComparison.Ordinal);

        var discord = Assert.Single(receiver.For("discord"));
        Assert.StartsWith("**[FIRING] proof failed**", (string?)discord["content"], StringComparison.Ordinal);
        Assert.Equal("PostFleet", (string?)discord["username"]);

        var slack = Assert.Single(receiver.For("slack"));
        Assert.StartsWith("*[FIRING] proof failed*", (string?)slack["text"], StringComparison.Ordinal);

        var telegram = Assert.Single(receiver.For("telegram"));
        Assert.Equal("-100123", (string?)telegram["chat_id"]);
        Assert.StartsWith("[FIRING] proof failed: diskB_post2", (string?)telegram["text"], StringComparison.Ordinal);

        // Passes that still see the failure send nothing more.
        daemon.Fleet.Change("diskB_post2", s => s with { DecisionMessage = "still failed" });

        daemon.Fleet.Change("diskB_post2", s => s with { DagState = "k2pow", Phase = "k2pow" });
        await Eventually.UntilAsync(() => receiver.Received.Count >= 8, "four resolving webhooks", TimeSpan.FromSeconds(20));
        Assert.Equal(8, receiver.Received.Count);
        Assert.Equal("resolved", (string?)receiver.For("generic")[^1]["status"]);
        Assert.StartsWith("**[RESOLVED] proof failed**", (string?)receiver.For("discord")[^1]["content"], StringComparison.Ordinal);
        Assert.StartsWith("*[RESOLVED]", (string?)receiver.For("slack")[^1]["text"], StringComparison.Ordinal);
        Assert.StartsWith("[RESOLVED]", (string?)receiver.For("telegram")[^1]["text"], StringComparison.Ordinal);

        // The URLs are secrets: the API and the logs show scheme and host only.
        var alerts = await daemon.Http.GetStringAsync("/api/v1/alerts");
        Assert.DoesNotContain("SECRET", alerts, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(alerts);
        Assert.Equal(4, doc.RootElement.GetProperty("webhooks").GetArrayLength());
        Assert.Equal(2, doc.RootElement.GetProperty("recent").GetArrayLength());
        Assert.DoesNotContain(daemon.Logs.Lines, l => l.Contains("SECRET", StringComparison.Ordinal));
        Assert.Contains(daemon.Logs.Lines, l => l.Contains(receiver.Url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dead_webhook_is_retried_then_given_up_without_leaking_its_url()
    {
        var dead = $"http://127.0.0.1:{FreePorts.Next()}/hook/SECRET-X";
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var http = new HttpClient();
        var sender = new AlertSender(http, [WebhookTarget.Parse(dead)],
            new AlertSenderOptions { MaxRetries = 2, FirstRetryDelay = TimeSpan.FromMilliseconds(10) }, TimeProvider.System, factory.CreateLogger("test"));
        var alert = new Alert("node-unreachable", AlertKinds.NodeUnreachable, null, "critical", "node unreachable", DateTimeOffset.UtcNow);
        await sender.SendAsync(new AlertChange(alert, false, DateTimeOffset.UtcNow, "node unreachable"), CancellationToken.None);
        var line = Assert.Single(logs.Lines);
        Assert.Contains("giving up", line, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", line, StringComparison.Ordinal);
    }
}
