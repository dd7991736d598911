using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PostFleet.Simulator.Common;
using PostFleet.Simulator.PostService;

namespace PostFleet.Simulator.K2PowService;

/// <summary>
/// <c>postfleet sim k2pow-service</c>: post-rs' k2pow-service (<c>k2pow-service/src/main.rs</c>): <c>GET /</c> is the
/// health check (200, <c>{ 'message': 'ok' }</c>), <c>GET /job/{miner}/{nonce_group}/{challenge}/{difficulty}</c>
/// answers 201 (created or in progress), 429 (busy with another job), 200 with the nonce in decimal, or 500 with the
/// error. Its host is <c>$POSTFLEET_SIM_HOST_DIR</c>, else the working folder: k2pow there shares that host's cores.
/// Like the real one it has no signal handler and dies at once on SIGTERM.
/// </summary>
public static class SimK2PowServiceProgram
{
    public const string HealthBody = "{ 'message': 'ok' }";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        K2PowServiceOptions options;
        try
        {
            var (outcome, parsed) = K2PowServiceCommandLine.Parse(args);
            if (outcome != K2PowServiceCommandLine.Outcome.Run)
            {
                Console.Out.WriteLine(outcome == K2PowServiceCommandLine.Outcome.Help ? K2PowServiceCommandLine.Help() : K2PowServiceCommandLine.Version);
                return 0;
            }

            options = parsed!;
        }
        catch (ClapUsageException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        var time = TimeProvider.System;
        var hostDir = Environment.GetEnvironmentVariable(SimPlaces.HostDirVariable) is { Length: > 0 } fromEnv ? Path.GetFullPath(fromEnv) : Directory.GetCurrentDirectory();
        var places = new SimPlaces("", "", hostDir);
        var log = new Action<string>(message => Log(time, "k2pow_service::job_manager", message));
        var record = new HostRecord(places.RecordPath, time);
        var jobs = new K2PowJobManager(options, HostProfile.Load(hostDir), places, record, log, time);
        Log(time, "k2pow_service", $"starting http server with bind address: {options.BindAddress}");
        Console.Error.WriteLine("RandomX flags: " + (options.RandomxMode == "fast" ? "FLAG_JIT | FLAG_HARD_AES | FLAG_FULL_MEM" : "FLAG_JIT | FLAG_HARD_AES"));
        WebApplication app;
        try
        {
            app = Build(options.BindAddress, jobs);
            await app.StartAsync(cancellationToken);
            TryRecord(record, "started", options.BindAddress);
        }
        catch (Exception ex) when (ex is IOException or FormatException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // main.rs unwraps the bind: a panic, exit 101.
            Console.Error.WriteLine($"thread 'main' panicked at k2pow-service/src/main.rs:\ncalled `Result::unwrap()` on an `Err` value: {ex.Message}");
            return 101;
        }

        await using (app)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        return 0;
    }

    private static WebApplication Build(string bindAddress, K2PowJobManager jobs)
    {
        var builder = QuietWebHost.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        var endpoint = Bind(bindAddress);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (endpoint is null)
            {
                kestrel.ListenLocalhost(Port(bindAddress));
            }
            else
            {
                kestrel.Listen(endpoint);
            }
        });
        var app = builder.Build();
        app.MapGet("/", () => Results.Text(HealthBody, "text/plain; charset=utf-8"));
        app.MapGet("/job/{miner}/{group}/{challenge}/{difficulty}", (string miner, string group, string challenge, string difficulty) =>
        {
            if (K2PowJob.TryParse(miner, group, challenge, difficulty, out var problem) is not { } job)
            {
                return Results.Text(problem, "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            return jobs.GetOrCreate(job) switch
            {
                JobAnswer.Done done => Results.Text(done.Nonce.ToString(CultureInfo.InvariantCulture), "text/plain; charset=utf-8"),
                JobAnswer.Failed failed => Results.Text(failed.Error, "text/plain; charset=utf-8", statusCode: StatusCodes.Status500InternalServerError),
                JobAnswer.TooManyJobs => Results.StatusCode(StatusCodes.Status429TooManyRequests),
                _ => Results.StatusCode(StatusCodes.Status201Created),
            };
        });
        return app;
    }

    private static void TryRecord(HostRecord record, string @event, string worker)
    {
        try
        {
            record.Append(@event, "", "", "", new Dictionary<string, object?> { ["worker"] = worker });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The record is for tests and tooling; a read-only host folder must not stop the worker.
        }
    }

    /// <summary>tokio binds "IP:port" and, through the resolver, "localhost:port"; null means localhost.</summary>
    private static IPEndPoint? Bind(string address)
    {
        if (address.StartsWith("localhost:", StringComparison.Ordinal))
        {
            return null;
        }

        return IPEndPoint.TryParse(address, out var endpoint) && address.Contains(':', StringComparison.Ordinal)
            ? endpoint
            : throw new FormatException($"invalid socket address: {address}");
    }

    private static int Port(string address) =>
        int.TryParse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new FormatException($"invalid port in {address}");

    /// <summary>tracing-subscriber's default format, on stdout.</summary>
    private static void Log(TimeProvider time, string target, string message)
    {
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        Console.Out.WriteLine($"{stamp}  INFO {target}: {message}");
        Console.Out.Flush();
    }
}
