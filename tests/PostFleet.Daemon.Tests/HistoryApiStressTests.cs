using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using PostFleet.Daemon.Loop;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;
using PostFleet.Runtime.Process;
using PostFleet.Storage;
using Xunit.Abstractions;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The history endpoints of the real web host and the real FleetControl, over a real file, hammered by many
/// clients while a writer drives the loop's write calls through whole epochs: every answer is 200 and whole.
/// </summary>
public sealed class HistoryApiStressTests(ITestOutputHelper output)
{
    private const int Epochs = 4;
    private const int PassesPerEpoch = 30;
    private const int Clients = 12;

    [Fact]
    public async Task Many_clients_reading_history_while_the_loop_writes_whole_epochs_get_whole_passes_and_no_error()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var services = daemon.Fleet.Current!.Services.Select(s => s.Name).ToList();
        using var history = FleetHistory.Open(daemon.Dir.Combine("state", "history.db"));
        var control = new FleetControl(new FleetIntents(), history, new ProcessRuntime(daemon.Dir.Combine("state")));
        daemon.Fleet.HistorySource = control.History;
        var latencies = new ConcurrentBag<double>();
        var answered = 0;
        using var done = new CancellationTokenSource();

        var writer = Task.Run(() =>
        {
            try
            {
                // Paced by the readers, as a loop is by its requeue time: every pass is written while requests are in flight.
                WriteEpochs(history, services, pass => Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref answered) >= pass * Clients / 2, TimeSpan.FromSeconds(60)), "the clients stopped answering"));
            }
            finally
            {
                done.Cancel();
            }
        });
        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var seen = 0;
            while (!done.IsCancellationRequested)
            {
                var service = c % 3 == 0 ? null : services[c % services.Count];
                var clock = Stopwatch.StartNew();
                var response = await daemon.Http.GetAsync($"/api/v1/history?limit=1000{(service is null ? "" : "&service=" + service)}");
                var body = await response.Content.ReadAsStringAsync();
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                Interlocked.Increment(ref answered);
                Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
                var entries = System.Text.Json.JsonSerializer.Deserialize<List<HistoryEntryView>>(body, System.Text.Json.JsonSerializerOptions.Web)!;
                var passes = service is null ? NewestPassIsWhole(entries, services.Count) : EveryPassOnce(entries, service);
                Assert.True(passes >= seen, $"client {c} went back from pass {seen} to {passes}");
                seen = passes;
            }
        })).ToList();

        await Task.WhenAll([writer, .. clients]);

        var final = await daemon.Http.GetFromJsonAsync<List<HistoryEntryView>>($"/api/v1/history?limit=1000&service={services[0]}");
        Assert.Equal(Epochs * PassesPerEpoch, EveryPassOnce(final!, services[0]));
        Assert.Equal(Epochs, final!.Count(e => e.Kind == "delivery"));

        var sorted = latencies.Order().ToList();
        double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
        output.WriteLine($"{sorted.Count} GET /api/v1/history by {Clients} clients during {Epochs * PassesPerEpoch} passes of {services.Count} services: p50 {At(0.5):0.0} ms, p99 {At(0.99):0.0} ms, max {sorted[^1]:0.0} ms");

        // Not a timing goal (bench/timing-goals.md has the figures): 15 s only catches a request blocked outright, e.g.
        // waiting for the writer's whole run. Below it is CPU queueing on a shared 2-core runner (1.2 s at load 34).
        Assert.True(sorted[^1] < 15_000, $"a request took {sorted[^1]:0} ms");
    }

    /// <summary>The loop's writes of a pass (decision, action, node event, run per service), deliveries at each epoch's end.</summary>
    private static void WriteEpochs(FleetHistory history, IReadOnlyList<string> services, Action<int> pace)
    {
        var t0 = DateTimeOffset.UtcNow.AddDays(-1);
        var pass = 0;
        for (var epoch = 1u; epoch <= Epochs; epoch++)
        {
            for (var p = 0; p < PassesPerEpoch; p++)
            {
                var at = t0.AddSeconds(++pass);
                foreach (var service in services)
                {
                    history.RecordDecision(at, service, "Pass", $"pass {pass}");
                    history.RecordAction(at, service, "StartService", $"pass {pass}", "started");
                    history.RecordNodeEvent(at, "PostStarted", service, $"pass {pass}");
                    if (p == PassesPerEpoch - 1)
                    {
                        history.RecordDelivery(at, service, epoch, $"{epoch:x2}");
                    }
                }

                Assert.True(history.Flush());
                pace(pass);
            }
        }
    }

    /// <summary>One service's answer holds all its rows: a decision and an action for passes n..1, newest first.</summary>
    private static int EveryPassOnce(IReadOnlyList<HistoryEntryView> entries, string service)
    {
        Assert.All(entries, e => Assert.Equal(service, e.Service));
        var decisions = entries.Where(e => e.Kind == "decision").Select(e => e.Detail).ToList();
        Assert.Equal(Enumerable.Range(1, decisions.Count).Reverse().Select(n => $"pass {n}"), decisions);
        Assert.Equal(decisions, entries.Where(e => e.Kind == "action").Select(e => e.Detail.Split(" -> ")[0]));
        Assert.True(entries.Count(e => e.Kind == "delivery") <= decisions.Count / PassesPerEpoch);
        return decisions.Count;
    }

    /// <summary>The whole fleet's newest 1000 rows: newest first, and the newest pass has every service's decision and action.</summary>
    private static int NewestPassIsWhole(IReadOnlyList<HistoryEntryView> entries, int services)
    {
        if (entries.Count == 0)
        {
            return 0;
        }

        Assert.Equal(entries.OrderByDescending(e => e.At).Select(e => e.At), entries.Select(e => e.At));
        var newest = entries.Where(e => e.Kind != "delivery").Max(e => int.Parse(e.Detail.Split(" -> ")[0]["pass ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        var ofNewest = entries.Where(e => e.Kind != "delivery" && e.Detail.StartsWith($"pass {newest}", StringComparison.Ordinal) && e.Detail.Split(" -> ")[0] == $"pass {newest}").ToList();
        Assert.Equal(services, ofNewest.Count(e => e.Kind == "decision"));
        Assert.Equal(services, ofNewest.Count(e => e.Kind == "action"));
        return newest;
    }
}
