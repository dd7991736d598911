using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace PostFleet.Containers.Tests.Certificates;

/// <summary>
/// The generated material works for real mutual TLS over loopback: a Kestrel server that, like the node's TLS
/// listener, requires a client certificate issued by the CA, and an HttpClient that trusts only that CA.
/// </summary>
public sealed class MtlsHandshakeTests
{
    [Fact]
    public async Task A_client_certificate_from_the_bundle_is_accepted()
    {
        using var bundle = new TestBundle(clients: ["id-01"], now: DateTimeOffset.UtcNow);
        await using var server = await StartServerAsync(bundle);
        using var http = Client(bundle.Ca, bundle.Client("id-01"));

        var answer = await http.GetStringAsync(server.Urls.Single() + "/whoami");

        Assert.Contains("CN=id-01", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_certificate_from_another_ca_or_none_at_all_is_refused()
    {
        using var bundle = new TestBundle(now: DateTimeOffset.UtcNow);
        using var stranger = new TestBundle(now: DateTimeOffset.UtcNow);
        await using var server = await StartServerAsync(bundle);

        using (var http = Client(bundle.Ca, stranger.Client("id-01")))
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetStringAsync(server.Urls.Single() + "/whoami"));
        }

        using (var http = Client(bundle.Ca, clientCertificate: null))
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetStringAsync(server.Urls.Single() + "/whoami"));
        }
    }

    private static async Task<WebApplication> StartServerAsync(TestBundle bundle)
    {
        var ca = bundle.Ca;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = bundle.Node;
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            // The node verifies the client against its configured CA only, like this.
            https.ClientCertificateValidation = (certificate, _, _) => TestBundle.ChainsTo(ca, certificate, DateTimeOffset.UtcNow);
        })));
        var app = builder.Build();
        app.MapGet("/whoami", (HttpContext context) => context.Connection.ClientCertificate?.Subject ?? "nobody");
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(X509Certificate2 ca, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                // Trust the bundle's CA alone, and require the name to match (127.0.0.1 is a SAN of node.pem).
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    certificate is not null
                    && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                    && TestBundle.ChainsTo(ca, X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), DateTimeOffset.UtcNow),
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }
}
