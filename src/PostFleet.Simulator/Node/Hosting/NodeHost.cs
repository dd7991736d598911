using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Node;

/// <summary>
/// One ASP.NET Core app with a Kestrel endpoint per node listener (HTTP/2 cleartext; the JSON gateway HTTP/1.1).
/// Each service is scoped to its listener by <see cref="ListenerMatcherPolicy"/>.
/// </summary>
public static class NodeHost
{
    public static WebApplication Build(SimNode node, NodeStateStore store, SimRecord record, PostStateTable states, TimeProvider time, ListenerDirectory listeners)
    {
        var settings = node.Settings;
        var builder = QuietWebHost.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);

        // The program owns SIGINT/SIGTERM (PosixSignalRegistration in SimNodeProgram), not the host.
        builder.Services.AddSingleton<IHostLifetime, ExternalLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            Listen(kestrel, listeners, PublicListener.Name, "--grpc-public-listener", settings.PublicListener, HttpProtocols.Http2);
            Listen(kestrel, listeners, PrivateListener.Name, "--grpc-private-listener", settings.PrivateListener, HttpProtocols.Http2);
            Listen(kestrel, listeners, PostListener.Name, "--grpc-post-listener", settings.PostListener, HttpProtocols.Http2);
            if (settings.JsonListener is { } json)
            {
                Listen(kestrel, listeners, JsonListener.Name, "--grpc-json-listener", json, HttpProtocols.Http1);
            }

            if (settings.Tls is { } tls)
            {
                ListenTls(kestrel, listeners, tls);
            }
        });

        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 10 * 1024 * 1024;
            o.MaxSendMessageSize = 10 * 1024 * 1024;
        });
        builder.Services.AddRouting();
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(node);
        builder.Services.AddSingleton(node.Settings);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(record);
        builder.Services.AddSingleton(states);
        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton<MatcherPolicy, ListenerMatcherPolicy>();
        builder.Services.AddSingleton<NodeSync>();
        builder.Services.AddSingleton<NodeEvents>();
        builder.Services.AddSingleton<EventFactory>();
        builder.Services.AddSingleton<PostServiceConnections>();
        builder.Services.AddSingleton<ProofRequester>();
        builder.Services.AddSingleton<MeshApi>();
        builder.Services.AddSingleton<NodeApi>();
        builder.Services.AddSingleton<ActivationApi>();
        builder.Services.AddSingleton<NetworkApi>();
        builder.Services.AddHostedService<AtxBuilderHost>();

        var app = builder.Build();
        MapListener<PublicListener>(app);
        app.MapGrpcService<ActivationApi>().WithMetadata(new ListenerScope(PublicListener.Name));
        app.MapGrpcService<MeshApi>().WithMetadata(new ListenerScope(PublicListener.Name));
        app.MapGrpcService<NodeApi>().WithMetadata(new ListenerScope(PublicListener.Name));
        app.MapGrpcService<NetworkApi>().WithMetadata(new ListenerScope(PublicListener.Name));

        MapListener<PrivateListener>(app);
        app.MapGrpcService<AdminApi>().WithMetadata(new ListenerScope(PrivateListener.Name));
        app.MapGrpcService<SmesherApi>().WithMetadata(new ListenerScope(PrivateListener.Name));

        MapListener<PostListener>(app);
        app.MapGrpcService<PostApi>().WithMetadata(new ListenerScope(PostListener.Name));
        app.MapGrpcService<PostInfoApi>().WithMetadata(new ListenerScope(PostListener.Name));

        JsonGateway.Map(app);
        return app;
    }

    private static void MapListener<TListener>(WebApplication app)
        where TListener : IListenerKind
    {
        app.MapGrpcService<ListenerReflectionV1Alpha<TListener>>().WithMetadata(new ListenerScope(TListener.Name));
        app.MapGrpcService<ListenerReflectionV1<TListener>>().WithMetadata(new ListenerScope(TListener.Name));
    }

    private static void Listen(KestrelServerOptions kestrel, ListenerDirectory listeners, string name, string flag, string address, HttpProtocols protocols)
    {
        kestrel.Listen(ListenerDirectory.Parse(flag, address), options =>
        {
            options.Protocols = protocols;
            listeners.Add(name, options);
        });
    }

    /// <summary>
    /// The mTLS listener: HTTP/2 over TLS, a client certificate is required and must chain to the configured CA
    /// alone (the machine's trust store plays no part), as grpc-go's RequireAndVerifyClientCert with a ClientCAs pool.
    /// </summary>
    private static void ListenTls(KestrelServerOptions kestrel, ListenerDirectory listeners, NodeTlsSettings tls)
    {
        X509Certificate2 server;
        X509Certificate2Collection authorities = [];
        try
        {
            server = X509Certificate2.CreateFromPemFile(tls.CertPath, tls.KeyPath);
            authorities.ImportFromPemFile(tls.CaCertPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new StartupException($"failed to load TLS files for grpc-tls-listener: {ex.Message}");
        }

        if (authorities.Count == 0)
        {
            throw new StartupException($"grpc-tls-ca-cert {tls.CaCertPath} holds no certificate");
        }

        kestrel.Listen(ListenerDirectory.Parse("--grpc-tls-listener", tls.Listener), options =>
        {
            options.Protocols = HttpProtocols.Http2;
            options.UseHttps(https =>
            {
                https.ServerCertificate = server;
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, authorities);
            });
            listeners.Add(TlsListener.Name, options, serves: PostListener.Name);
        });
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>A host lifetime that leaves signal handling to the program.</summary>
    private sealed class ExternalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
