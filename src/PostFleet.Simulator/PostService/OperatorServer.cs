using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// The HTTP operator API: one route, <c>GET /status</c> (other paths 404, other methods 405), plain HTTP.
/// A failed bind is dropped silently, as post-rs drops the spawned server's error.
/// </summary>
public static class OperatorServer
{
    public static async Task StartAsync(IPEndPoint address, ProvingService proving, ServiceLog log)
    {
        log.Info("post_service::operator", $"running operator service on {Display(address)}");
        try
        {
            var builder = QuietWebHost.CreateBuilder();
            builder.Logging.ClearProviders();
            // No console lifetime: post-service has no signal handler, SIGTERM/SIGINT must kill it at once.
            builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address));
            var app = builder.Build();
            var hang = SimFaults.HangStatusFile(proving.Places.Host, Environment.ProcessId);
            app.MapGet("/status", async context =>
            {
                // A fault switched on from outside (the soak): the request is taken and never answered.
                while (File.Exists(hang))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), proving.Time, context.RequestAborted);
                }

                if (await proving.StatusJsonAsync(context.RequestAborted) is not { } body)
                {
                    context.Abort();
                    return;
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body);
            });
            await app.StartAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Bind failures are invisible in the real service too: no log, no exit.
        }
    }

    private static string Display(IPEndPoint address) => address.ToString();
}
