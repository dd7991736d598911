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
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = _domain,
                ClientCertificates = [_clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 server && IssuedByAuthority(server),
            };
        }

        return GrpcChannel.ForAddress(Uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private bool IssuedByAuthority(X509Certificate2 server)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server);
    }
}
