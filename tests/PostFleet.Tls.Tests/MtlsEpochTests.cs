using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Spacemesh.Node;
using PostFleet.Testing;
using PostFleet.Tls.Tests.Support;
using Spacemesh.V1;

namespace PostFleet.Tls.Tests;

/// <summary>
/// The whole mTLS path with real processes: `postfleet certs` material, the simulated node's grpc-tls-listener
/// (client certificate required, verified against the CA only), `postfleet run` with node.tls and post-services
/// launched with --ca-cert/--cert/--key against https://.
/// </summary>
public sealed class MtlsEpochTests
{
    private static readonly SimIdentity[] TwoIdentities = [new("d1", "alpha", 2), new("d2", "beta", 2)];

    [Fact]
    public async Task An_epoch_is_proved_over_mtls_by_postfleet_run()
    {
        await using var fleet = SimFleet.Create("pf-tls-epoch", TwoIdentities, new SimFleetOptions { Tls = true });
        await fleet.InitAsync();
        await fleet.StartNodeAsync();

        var run = fleet.StartRun();
        await fleet.WaitForEpochProofsAsync(TimeSpan.FromSeconds(90));

        // Every proof came through the TLS listener: the services were launched against it with the bundle's files,
        // and their logs say TLS was configured and the node's metadata request came through.
        var logs = Directory.GetFiles(Path.Combine(fleet.StateDir, "logs"), "*.log");
        foreach (var identity in TwoIdentities)
        {
            var log = string.Join('\n', logs.Where(l => Path.GetFileName(l).StartsWith(identity.Name + "-", StringComparison.Ordinal)).Select(File.ReadAllText));
            Assert.Contains("configuring TLS: server: (CA cert: " + fleet.Certs!.CaCert, log, StringComparison.Ordinal);
            Assert.Contains("INFO  post_service::client] obtained metadata: PostMetadata { node_id: [", log, StringComparison.Ordinal);
        }

        Assert.Contains(fleet.NodeEvents(), e => (string?)e["event"] == "service-registered");
        Assert.False(run.HasExited, $"postfleet run exited early:\n{run.StandardOutput}\n{run.StandardError}");
    }

    [Fact]
    public async Task The_tls_listener_serves_only_clients_with_a_certificate_from_its_ca()
    {
        await using var fleet = SimFleet.Create("pf-tls-clients", TwoIdentities, new SimFleetOptions { Tls = true });
        await fleet.InitAsync();
        await fleet.StartNodeAsync();
        var certs = fleet.Certs!;
        var foreign = fleet.ForeignCerts();
        var address = new Uri($"https://127.0.0.1:{fleet.TlsPort}");

        // PostFleet's own client (node.tls from the config) reads PostStates over the TLS listener.
        var spec = FleetConfigLoader.LoadFile(fleet.FleetConfig).Spec!;
        using (var client = new NodeGrpcClient(spec.Node))
        {
            var states = await client.GetPostStatesAsync(CancellationToken.None);
            Assert.Equal(["alpha", "beta"], states.Select(s => s.Name).Order());
        }

        // Same call, by hand: a client certificate signed by the CA is served...
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(certs.CaCert));
        await PostStatesAsync(address, ca, X509Certificate2.CreateFromPemFile(certs.Clients["fleet"].Cert, certs.Clients["fleet"].Key));

        // ...no certificate, or one from another CA, is refused. In TLS 1.3 the client's handshake ends before the
        // server has judged the client's certificate, so the refusal reaches the client either as a failed connection
        // (Unavailable) or as the server's alert on the call's first read (Internal); both are a call not served.
        StatusCode[] refusal = [StatusCode.Unavailable, StatusCode.Internal];
        var none = await Assert.ThrowsAsync<RpcException>(() => PostStatesAsync(address, ca, null));
        Assert.Contains(none.StatusCode, refusal);
        var stranger = X509Certificate2.CreateFromPemFile(foreign.Clients["stranger"].Cert, foreign.Clients["stranger"].Key);
        var refused = await Assert.ThrowsAsync<RpcException>(() => PostStatesAsync(address, ca, stranger));
        Assert.Contains(refused.StatusCode, refusal);

        // The plaintext post listener keeps working next to it.
        using var plain = GrpcChannel.ForAddress($"http://127.0.0.1:{fleet.PostPort}");
        await new PostInfoService.PostInfoServiceClient(plain).PostStatesAsync(new PostStatesRequest());
    }

    [Fact]
    public async Task A_post_service_with_the_wrong_ca_cannot_connect_says_why_and_keeps_retrying()
    {
        await using var fleet = SimFleet.Create("pf-tls-wrongca", [new("d1", "alpha", 2)], new SimFleetOptions { Tls = true });
        await fleet.InitAsync();
        await fleet.StartNodeAsync();
        var certs = fleet.Certs!;
        var foreign = fleet.ForeignCerts();
        var spec = FleetConfigLoader.LoadFile(fleet.FleetConfig).Spec!;
        using var node = new NodeGrpcClient(spec.Node);
        await Eventually.UntilAsync(
            new Func<Task<bool>>(async () => (await node.GetPostStatesAsync(CancellationToken.None)).Any(s => s is { Name: "alpha", State: NodePostState.Proving })),
            "the node to need alpha's proof (PROVING)",
            timeout: null);

        string[] common =
        [
            "sim", "post-service", "--dir", fleet.Folder.Combine("disks", "d1", "alpha"), "--address", $"https://127.0.0.1:{fleet.TlsPort}",
            "--cert", certs.Clients["fleet"].Cert, "--key", certs.Clients["fleet"].Key, "--reconnect-interval-s", "1",
            "-n", "16", "--k1", "12", "--k2", "20", "--min-num-units", "1", "--pow-difficulty", new string('f', 64),
        ];
        var service = fleet.Start([.. common, "--ca-cert", foreign.CaCert], "wrong-ca.log");
        await Eventually.UntilAsync(
            () => service.StandardError.Split('\n').Count(l => l.Contains("could not connect to the node: tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))", StringComparison.Ordinal)) >= 3,
            () => $"three failed connects that name the certificate problem; stderr:\n{service.StandardError}");
        Assert.False(service.HasExited);
        Assert.DoesNotContain("obtained metadata", service.StandardError, StringComparison.Ordinal);

        // The node never saw it: no registration, and the identity still waits for its proof.
        Assert.DoesNotContain(fleet.NodeEvents(), e => (string?)e["event"] == "service-registered");
        Assert.Contains(await node.GetPostStatesAsync(CancellationToken.None), s => s is { Name: "alpha", State: NodePostState.Proving });

        // A failed handshake is a failed connect attempt: --max-retries counts it and ends the service.
        var limited = fleet.Start([.. common, "--ca-cert", foreign.CaCert, "--max-retries", "1"], "wrong-ca-limited.log");
        Assert.Equal(1, await limited.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Error: max retries (1) reached", limited.StandardError, StringComparison.Ordinal);

        // With the right CA the same service connects and registers.
        var good = fleet.Start([.. common, "--ca-cert", certs.CaCert], "right-ca.log");
        await good.WaitForOutputAsync("obtained metadata: PostMetadata", TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(() => fleet.NodeEvents().Any(e => (string?)e["event"] == "service-registered"), "the node to register the service");
    }

    [Fact]
    public async Task The_daemon_and_its_dashboard_say_why_a_service_with_the_wrong_ca_cannot_connect()
    {
        await using var fleet = SimFleet.Create("pf-tls-why", TwoIdentities, new SimFleetOptions { Tls = true, WrongCaDisks = new HashSet<string> { "d2" } });
        await fleet.InitAsync();
        await fleet.StartNodeAsync();
        var port = FreePorts.Next();
        var run = fleet.Start(["run", "-c", fleet.FleetConfig, "--listen", $"http://127.0.0.1:{port}"], "run.log");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        // The service on d2 runs (the node wants its proof) but its log says the handshake fails; the API says so.
        var problem = await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    var fleetView = JsonNode.Parse(await http.GetStringAsync("api/v1/fleet"))!;
                    var beta = fleetView["services"]!.AsArray().First(s => (string?)s!["name"] == "beta")!;
                    return beta["problem"] is JsonObject p && (int)p["repeats"]! >= 3 ? p : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            "the API to report beta's connection problem",
            TimeSpan.FromSeconds(120));
        Assert.Equal("cannot-connect", (string?)problem["kind"]);
        Assert.Contains("invalid peer certificate: UnknownIssuer", (string?)problem["summary"], StringComparison.Ordinal);
        Assert.Contains("tls.ca-cert", (string?)problem["hint"], StringComparison.Ordinal);

        // The log API reads the same run's log through the runtime and shows the line the diagnosis quoted.
        var log = JsonNode.Parse(await http.GetStringAsync("api/v1/services/beta/log?lines=50"))!;
        Assert.Contains(log["lines"]!.AsArray(), l => ((string?)l)!.Contains("could not connect to the node: tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))", StringComparison.Ordinal));

        // An alert names it too, while alpha (right CA) proves undisturbed.
        await Eventually.UntilAsync(
            async () => JsonNode.Parse(await http.GetStringAsync("api/v1/alerts"))!["open"]!.AsArray().Any(a => (string?)a!["kind"] == "service-problem" && (string?)a["service"] == "beta"),
            "a service-problem alert for beta",
            TimeSpan.FromSeconds(60));
        await fleet.WaitForEpochProofsAsync(TimeSpan.FromSeconds(120), ["alpha"]);

        // And the dashboard shows it: on the DAG node and, with the hint, on the service's page.
        await using var browser = await Chromium.OpenAsync(new Uri($"http://127.0.0.1:{port}/#/service/beta"), 1200, 900);
        var shown = await Eventually.UntilAsync(
            async () => (await browser.EvaluateAsync("document.getElementById('problem')?.innerText ?? ''"))?.GetValue<string>() is { Length: > 0 } text ? text : null,
            "the service page to show the problem",
            TimeSpan.FromSeconds(60));
        Assert.Contains("UnknownIssuer", shown, StringComparison.Ordinal);
        Assert.Contains("tls.ca-cert", shown, StringComparison.Ordinal);
        Assert.False(run.HasExited, $"postfleet run exited early:\n{run.StandardError}");
    }

    private static async Task PostStatesAsync(Uri address, X509Certificate2 ca, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is X509Certificate2 server && chain.Build(server);
                },
            },
        };
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await new PostInfoService.PostInfoServiceClient(channel).PostStatesAsync(new PostStatesRequest(), cancellationToken: timeout.Token);
    }
}
