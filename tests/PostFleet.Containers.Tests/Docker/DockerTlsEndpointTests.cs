using System.Collections.Immutable;
using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using PostFleet.Containers.Tests.Certificates;
using PostFleet.Runtime.Docker;

namespace PostFleet.Containers.Tests.Docker;

/// <summary>
/// A remote engine over tcp:// with mutual TLS, stood in for by a Kestrel server on 127.0.0.1 that demands a
/// client certificate of its CA (as `dockerd --tlsverify` does) and answers the container listing.
/// </summary>
public sealed class DockerTlsEndpointTests
{
    [Fact]
    public async Task The_runtime_reaches_a_tls_engine_with_its_client_certificate_and_checks_the_engine()
    {
        using var bundle = new TestBundle(clients: ["postfleet"], now: DateTimeOffset.UtcNow);
        using var stranger = new TestBundle(clients: ["postfleet"], now: DateTimeOffset.UtcNow);
        await using var engine = await StartEngineAsync(bundle);
        var port = new Uri(engine.Urls.Single()).Port;

        await using var trusted = Runtime(port, bundle.Files.CaCert, bundle);
        Assert.Empty(await trusted.ListAsync(CancellationToken.None));

        // The wrong client certificate: the engine refuses the connection.
        await using var refusedClient = Runtime(port, bundle.Files.CaCert, stranger);
        await AssertRefusedAsync(() => refusedClient.ListAsync(CancellationToken.None));

        // The engine's certificate does not chain to the configured CA: we refuse the engine.
        await using var refusedEngine = Runtime(port, stranger.Files.CaCert, bundle);
        await AssertRefusedAsync(() => refusedEngine.ListAsync(CancellationToken.None));
    }

    /// <summary>Docker.DotNet's own transport surfaces a failed handshake as it happens: TLS, I/O or HTTP error.</summary>
    private static async Task AssertRefusedAsync(Func<Task> call)
    {
        var error = await Record.ExceptionAsync(call);
        Assert.True(error is HttpRequestException or AuthenticationException or IOException, error?.ToString() ?? "the call succeeded");
    }

    private static DockerRuntime Runtime(int port, string caCert, TestBundle client) =>
        new(
            new DockerRuntimeOptions
            {
                FleetId = "tls",
                Endpoints = [new DockerEndpoint("remote", new Uri($"tcp://127.0.0.1:{port}"), new DockerTlsOptions(caCert, client.Files.Clients["postfleet"].Cert, client.Files.Clients["postfleet"].Key))],
            },
            TimeProvider.System);

    private static async Task<WebApplication> StartEngineAsync(TestBundle bundle)
    {
        var ca = bundle.Ca;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = bundle.Node;
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, _, _) => TestBundle.ChainsTo(ca, certificate, DateTimeOffset.UtcNow);
        })));
        var app = builder.Build();
        app.MapGet("/{**path}", (string path) => path.EndsWith("containers/json", StringComparison.Ordinal)
            ? Results.Text("[]", "application/json")
            : Results.NotFound());
        await app.StartAsync();
        return app;
    }
}
