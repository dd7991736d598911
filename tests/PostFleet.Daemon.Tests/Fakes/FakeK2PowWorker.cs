using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PostFleet.Daemon.Tests.Fakes;

/// <summary>
/// A k2pow-service on 127.0.0.1 that the test drives: its HTTP contract is post-rs' (one job in progress, 429 for any
/// other new job, 201 while working, 200 + decimal nonce or 500 + error once the test finishes the job, results kept).
/// </summary>
public sealed class FakeK2PowWorker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (int Status, string Body)?> _jobs = new();
    private readonly Lock _gate = new();
    private WebApplication? _app;
    private string? _inProgress;

    public Uri Url { get; private set; } = null!;

    /// <summary>Every job path it accepted (201 on first sight), in order.</summary>
    public ConcurrentQueue<string> Taken { get; } = new();

    public static async Task<FakeK2PowWorker> StartAsync(int port = 0)
    {
        var worker = new FakeK2PowWorker();
        await worker.ListenAsync(port);
        return worker;
    }

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        _app = builder.Build();
        _app.MapGet("/", () => Results.Text("{ 'message': 'ok' }"));
        _app.MapGet("/job/{miner}/{group}/{challenge}/{difficulty}", (HttpContext context) => Answer(context.Request.Path.Value!));
        await _app.StartAsync();
        Url = new Uri(_app.Urls.First());
    }

    /// <summary>A job already running when the router first sees this worker (as after a daemon restart).</summary>
    public void AlreadyRunning(string path)
    {
        lock (_gate)
        {
            _jobs[path] = null;
            _inProgress = path;
        }
    }

    public void Finish(string path, int status, string body)
    {
        lock (_gate)
        {
            _jobs[path] = (status, body);
            if (_inProgress == path)
            {
                _inProgress = null;
            }
        }
    }

    public string? InProgress
    {
        get
        {
            lock (_gate)
            {
                return _inProgress;
            }
        }
    }

    /// <summary>Stops answering at all (the process died); its port is closed.</summary>
    public async Task DieAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private IResult Answer(string path)
    {
        lock (_gate)
        {
            if (_jobs.TryGetValue(path, out var known))
            {
                return known is { } done ? Results.Text(done.Body, statusCode: done.Status) : Results.StatusCode(201);
            }

            if (_inProgress is not null)
            {
                return Results.StatusCode(429);
            }

            _jobs[path] = null;
            _inProgress = path;
            Taken.Enqueue(path);
            return Results.StatusCode(201);
        }
    }

    public async ValueTask DisposeAsync() => await DieAsync();
}
