using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Timeline;
using PostFleet.Testing;

namespace PostFleet.Spacemesh.Tests;

/// <summary>
/// A gRPC server on 127.0.0.1 (HTTP/2 cleartext, or TLS when given) serving only the fake services a test maps;
/// every other service answers UNIMPLEMENTED, as a node that lacks it would.
/// </summary>
internal sealed class FakeNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeNode(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<FakeNode> StartAsync(Action<WebApplication>? map = null, object[]? services = null, Action<HttpsConnectionAdapterOptions>? https = null)
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (https is not null)
            {
                listen.UseHttps(https);
            }
        }));
        builder.Services.AddGrpc();
        foreach (var service in services ?? [])
        {
            builder.Services.AddSingleton(service.GetType(), service);
        }

        var app = builder.Build();
        map?.Invoke(app);
        await app.StartAsync();
        return new FakeNode(app, new Uri($"{(https is null ? "http" : "https")}://127.0.0.1:{port}"));
    }

    /// <summary>A node whose three listeners are this one server.</summary>
    public NodeSpec Spec(TlsSpec? tls = null) => SpecAt(Address, tls);

    public static NodeSpec SpecAt(Uri address, TlsSpec? tls = null) => new(
        address,
        address,
        address,
        "/nonexistent/node-data",
        new PoetTimings(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)),
        tls);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
