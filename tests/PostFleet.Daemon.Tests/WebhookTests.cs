using System.Text.Json;
using Microsoft.Extensions.Logging;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

public sealed class WebhookTests
{
    [Fact]
    public async Task A_failed_proof_and_its_resolution_reach_every_webhook_in_its_format()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
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

    [Fact]
    public async Task Each_webhook_gets_only_alerts_at_or_above_its_min_severity()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = new HttpClient();
        var sender = new AlertSender(http,
            [WebhookTarget.Parse($"{receiver.Url}/all/SECRET"), WebhookTarget.Parse($"{receiver.Url}/pager/SECRET") with { MinSeverity = Core.Configuration.AlertSeverity.Critical }],
            new AlertSenderOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var now = DateTimeOffset.UtcNow;
        var late = new Alert("delivered-late:s1:3", AlertKinds.DeliveredLate, "s1", "warning", "s1: late", now);
        var down = new Alert("node-unreachable", AlertKinds.NodeUnreachable, null, "critical", "node unreachable", now);

        await sender.SendAsync(new AlertChange(late, false, now, "s1: late"), CancellationToken.None);
        await sender.SendAsync(new AlertChange(down, false, now, "node unreachable"), CancellationToken.None);

        Assert.Equal(["delivered-late", "node-unreachable"], receiver.For("all").Select(b => (string?)b["kind"]));
        Assert.Equal(["node-unreachable"], receiver.For("pager").Select(b => (string?)b["kind"]));
    }
}
