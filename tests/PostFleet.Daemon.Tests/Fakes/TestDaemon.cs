using Microsoft.Extensions.Logging;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests.Fakes;

/// <summary>The web host on a free loopback port over a fake loop, plus a client for it.</summary>
public sealed class TestDaemon : IAsyncDisposable
{
    private TestDaemon(FakeFleetControl fleet, RunningWebHost host, TempDirectory dir, CapturingLoggerProvider logs)
    {
        Fleet = fleet;
        Host = host;
        Dir = dir;
        Logs = logs;
        Http = new HttpClient { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public FakeFleetControl Fleet { get; }

    public RunningWebHost Host { get; }

    public TempDirectory Dir { get; }

    public CapturingLoggerProvider Logs { get; }

    public HttpClient Http { get; }

    /// <summary>A POST as the dashboard's own script sends it: with this daemon's Origin.</summary>
    public async Task<HttpResponseMessage> PostFromDashboardAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Origin", Host.Url.GetLeftPart(UriPartial.Authority));
        return await Http.SendAsync(request);
    }

    /// <param name="view">The view to serve instead of the demo's (no forecast then).</param>
    public static async Task<TestDaemon> StartAsync(Func<WebOptions, WebOptions>? configure = null, bool withView = true, FleetView? view = null)
    {
        var dir = new TempDirectory("pf-web");
        var log = dir.Combine("diskC_post2.log");
        await File.WriteAllLinesAsync(log, Enumerable.Range(1, 500).Select(i => $"2025-01-01T00:00:{i % 60:00}Z INFO proving: line {i}"));
        var fleet = new FakeFleetControl(view ?? (withView ? DemoFleet.Build(DateTimeOffset.UtcNow, log) : null));
        fleet.Forecast = view is null && fleet.Current is { } demo ? DemoForecast.Build(demo) : null;
        fleet.Entries.AddRange(SampleHistory(DateTimeOffset.UtcNow));
        foreach (var (name, runs) in view is null && fleet.Current is { } current ? DemoRuns.Build(current) : [])
        {
            fleet.Journal[name] = runs;
        }

        // The host binds port 0 and reports the port it got: no port is guessed.
        var options = new WebOptions { Listen = "http://127.0.0.1:0", Heartbeat = TimeSpan.FromSeconds(1) };
        options = configure?.Invoke(options) ?? options;
        var logs = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var host = await DaemonWebHost.StartAsync(fleet, options, factory, CancellationToken.None);
        return new TestDaemon(fleet, host, dir, logs);
    }

    private static IEnumerable<View.HistoryEntryView> SampleHistory(DateTimeOffset now)
    {
        string[] names = ["diskC_post3", "diskB_post3", "diskC_post2"];
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            yield return new(now.AddDays(-15).AddHours(i), name, "action", "StartService", "cycle gap open -> started");
            yield return new(now.AddDays(-15).AddHours(i + 1), name, "delivery", "proof delivered", "publish epoch 13");
            yield return new(now.AddHours(-3 + i), name, "action", "StartService", "cycle gap open -> started");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        Dir.Dispose();
    }
}

/// <summary>Keeps every log line, so tests can check what was (and was not) logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._gate)
            {
                owner._lines.Add(formatter(state, exception) + (exception is null ? "" : " " + exception));
            }
        }
    }
}
