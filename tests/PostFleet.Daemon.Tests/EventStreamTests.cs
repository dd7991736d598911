using System.Text.Json;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

public sealed class EventStreamTests
{
    /// <summary>Reads SSE frames (blank-line separated) from the stream into a list a test can poll.</summary>
    private sealed class SseReader(Stream stream)
    {
        private readonly List<(string? Event, string? Data, bool Comment)> _frames = [];
        private readonly Lock _gate = new();

        public IReadOnlyList<(string? Event, string? Data, bool Comment)> Frames
        {
            get
            {
                lock (_gate)
                {
                    return [.. _frames];
                }
            }
        }

        public async Task RunAsync(CancellationToken ct)
        {
            using var reader = new StreamReader(stream);
            string? name = null, data = null;
            var comment = false;
            while (!ct.IsCancellationRequested && await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length == 0)
                {
                    lock (_gate)
                    {
                        _frames.Add((name, data, comment));
                    }

                    (name, data, comment) = (null, null, false);
                }
                else if (line.StartsWith(':'))
                {
                    comment = true;
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }
        }
    }

    [Fact]
    public async Task Stream_sends_the_current_view_then_every_update_and_heartbeats()
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await daemon.Http.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var sse = new SseReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var reading = sse.RunAsync(cts.Token);

        await Eventually.UntilAsync(() => sse.Frames.Any(f => f.Event == "fleet") && sse.Frames.Any(f => f.Event == "alerts"), "initial fleet and alerts events", TimeSpan.FromSeconds(10));
        await Eventually.UntilAsync(() => daemon.Host.Events.Subscribers == 1, "subscription registered", TimeSpan.FromSeconds(10));

        daemon.Fleet.Change("diskD_post1", s => s with { Phase = "k2pow", DagState = "k2pow", RunningSince = DateTimeOffset.UtcNow });
        await Eventually.UntilAsync(() => sse.Frames.Any(f => f.Event == "fleet" && StateOf(f.Data!, "diskD_post1") == "k2pow"), "fleet event with diskD_post1 in k2pow", TimeSpan.FromSeconds(10));

        // Heartbeat is 1 s in tests.
        await Eventually.UntilAsync(() => sse.Frames.Any(f => f.Comment), "a heartbeat comment", TimeSpan.FromSeconds(10));

        var failedPass = daemon.Fleet.Change("diskE_post1", s => s with { DagState = "failed", Phase = "not-running" }).Pass;
        await Eventually.UntilAsync(() => sse.Frames.Any(f => f.Event == "alerts" && f.Data!.Contains("proof-failed", StringComparison.Ordinal)), "alerts event for the failure", TimeSpan.FromSeconds(10));
        // Both messages of that pass carry its id (the fleet event also as its SSE id).
        // (The alert monitor hears of a pass before the hub does, so the alerts frame may come first: wait for both.)
        await Eventually.UntilAsync(() => sse.Frames.Any(f => f.Event == "fleet" && JsonDocument.Parse(f.Data!).RootElement.GetProperty("pass").GetInt64() == failedPass),
            "the fleet event of the failed pass", TimeSpan.FromSeconds(10));
        var alerts = sse.Frames.First(f => f.Event == "alerts" && f.Data!.Contains("proof-failed", StringComparison.Ordinal));
        Assert.Equal(failedPass, JsonDocument.Parse(alerts.Data!).RootElement.GetProperty("pass").GetInt64());

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        await Eventually.UntilAsync(() => daemon.Host.Events.Subscribers == 0, "subscriber removed after disconnect", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_changes_stream_sends_one_whole_view_then_only_what_changed_and_a_reconnect_starts_whole_again()
    {
        await using var daemon = await TestDaemon.StartAsync();
        for (var connection = 0; connection < 2; connection++)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await daemon.Http.GetAsync("/api/v1/events?changes=1", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var sse = new SseReader(await response.Content.ReadAsStreamAsync(cts.Token));
            var reading = sse.RunAsync(cts.Token);
            await Eventually.UntilAsync(() => sse.Frames.Any(f => f.Event == "fleet"), "the whole view first", TimeSpan.FromSeconds(10));
            await Eventually.UntilAsync(() => daemon.Host.Events.Subscribers == 1, "subscription registered", TimeSpan.FromSeconds(10));
            var whole = JsonDocument.Parse(sse.Frames.First(f => f.Event == "fleet").Data!).RootElement;
            var wholePass = whole.GetProperty("pass").GetInt64();
            Assert.Equal(10, whole.GetProperty("services").GetArrayLength());

            var phase = connection == 0 ? "k2pow" : "reading";
            var changedPass = daemon.Fleet.Change("diskD_post1", s => s with { Phase = phase, DagState = phase }).Pass;
            await Eventually.UntilAsync(() => sse.Frames.Any(f => f.Event == "fleet-changes" && f.Data!.Contains($"\"pass\":{changedPass}", StringComparison.Ordinal)),
                "the change as fleet-changes", TimeSpan.FromSeconds(10));

            var changes = JsonDocument.Parse(sse.Frames.Last(f => f.Event == "fleet-changes").Data!).RootElement;
            Assert.Equal(wholePass, changes.GetProperty("base").GetInt64());
            var service = Assert.Single(changes.GetProperty("services").EnumerateArray());
            Assert.Equal("diskD_post1", service.GetProperty("name").GetString());
            Assert.Equal(phase, service.GetProperty("dagState").GetString());
            // The pass number always moves; what did not change (the disks, the edges) is not sent again.
            Assert.Equal(changedPass, changes.GetProperty("set").GetProperty("pass").GetInt64());
            Assert.False(changes.GetProperty("set").TryGetProperty("disks", out _));
            Assert.DoesNotContain(sse.Frames, f => f.Event == "fleet" && JsonDocument.Parse(f.Data!).RootElement.GetProperty("pass").GetInt64() != wholePass);

            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
            await Eventually.UntilAsync(() => daemon.Host.Events.Subscribers == 0, "subscriber removed after disconnect", TimeSpan.FromSeconds(10));
        }
    }

    private static string? StateOf(string json, string service)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("services").EnumerateArray().First(s => s.GetProperty("name").GetString() == service).GetProperty("dagState").GetString();
    }
}
