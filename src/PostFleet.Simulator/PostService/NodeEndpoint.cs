using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// The node's PostService address and how to reach it: plain HTTP/2, or mTLS with all three PEM files.
/// Built once at startup so scheme and TLS errors end the process before the client loop starts.
/// </summary>
public sealed class NodeEndpoint
{
    private readonly X509Certificate2? _clientCertificate;
    private readonly X509Certificate2? _authority;
    private readonly string? _domain;

    private NodeEndpoint(Uri uri, X509Certificate2? clientCertificate, X509Certificate2? authority, string? domain)
    {
        Uri = uri;
        _clientCertificate = clientCertificate;
        _authority = authority;
        _domain = domain;
    }

    public Uri Uri { get; }

    /// <summary>Throws <see cref="StartupException"/> with post-rs' wording.</summary>
    public static NodeEndpoint Create(PostServiceOptions options, ServiceLog log)
    {
        // Without a scheme post-rs falls back to http, kept for old setups.
        var address = options.Address.Contains("://", StringComparison.Ordinal) ? options.Address : "http://" + options.Address;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            throw new StartupException($"invalid address: {options.Address}");
        }

        if (uri.Scheme is not ("http" or "https"))
        {
            throw new StartupException("unknown client protocol");
        }

        if (options.CaCert is null)
        {
            if (uri.Scheme == "https")
            {
                throw new StartupException("client protocol set to https but tls configuration not provided");
            }

            log.Info("post_service", "not configuring TLS");
            return new NodeEndpoint(uri, null, null, null);
        }

        var domain = options.Domain ?? uri.Host;
        log.Info("post_service", $"configuring TLS: server: (CA cert: {options.CaCert}, domain: {domain}), client: (cert: {options.Cert}, key: {options.Key})");
        try
        {
            var authority = X509Certificate2.CreateFromPem(File.ReadAllText(options.CaCert));
            var client = X509Certificate2.CreateFromPemFile(options.Cert!, options.Key!);
            return new NodeEndpoint(uri, client, authority, domain);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new StartupException($"reading TLS files: {ex.Message}");
        }
    }

    public GrpcChannel CreateChannel()
    {
        var handler = new SocketsHttpHandler
        {
            // post-rs: HTTP/2 keep-alive ping every 10 min, 20 s timeout.
            KeepAlivePingDelay = TimeSpan.FromMinutes(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
        };
        if (_clientCertificate is not null)
        {
            handler.SslOptions = SslOptions(_ => { });
        }

        return GrpcChannel.ForAddress(Uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    public bool UsesTls => _clientCertificate is not null;

    /// <summary>
    /// rustls' client config of post-rs: the client certificate, the server checked against the given CA alone
    /// (never the system store) and against <c>--domain</c>. <paramref name="rejected"/> gets rustls' Debug of the
    /// error (rustls 0.23.20, the version post-service 0.8.5 locks) inside the io::Error tokio-rustls wraps it in.
    /// </summary>
    public SslClientAuthenticationOptions SslOptions(Action<string> rejected) => new()
    {
        TargetHost = _domain,
        ApplicationProtocols = [SslApplicationProtocol.Http2],
        ClientCertificates = [_clientCertificate!],
        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            var reason = Check(certificate as X509Certificate2, errors);
            if (reason is not null)
            {
                rejected(reason);
            }

            return reason is null;
        },
    };

    private string? Check(X509Certificate2? server, SslPolicyErrors errors)
    {
        if (server is null)
        {
            return ConnectFailure.Rustls("NoCertificatesPresented");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(server))
        {
            return ConnectFailure.Rustls("InvalidCertificate(UnknownIssuer)");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return ConnectFailure.Rustls("InvalidCertificate(NotValidForName)");
        }

        return null;
    }
}
