using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using PostFleet.Core.Model;
using PostFleet.Spacemesh.Node;
using Spacemesh.V1;
using static PostFleet.Spacemesh.Tests.NodeGrpcClientTests;

namespace PostFleet.Spacemesh.Tests;

/// <summary>The post listener behind the node's mTLS listener: client certificate required, our own CA.</summary>
public sealed class NodeTlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();
    private FakeNode? _node;

    public async Task InitializeAsync()
    {
        var postInfo = new FakePostInfo();
        postInfo.Answer.States.Add(new PostState { Id = Key(1), Name = "diskA_post1.key", State = PostState.Types.State.Proving });
        _node = await FakeNode.StartAsync(
            app => app.MapGrpcService<FakePostInfo>(),
            [postInfo],
            https =>
            {
                https.ServerCertificate = _certificates.Server;
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (certificate, _, _) => _certificates.IsIssuedByCa(certificate);
            });
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        _certificates.Dispose();
    }

    /// <summary>Configured as http:// on purpose: with mTLS the post listener is dialled over https anyway.</summary>
    private Uri PostListener => new($"http://127.0.0.1:{_node!.Address.Port}");

    [Fact]
    public async Task With_the_client_certificate_and_the_servers_domain_the_call_succeeds()
    {
        using var client = new NodeGrpcClient(FakeNode.SpecAt(PostListener, _certificates.Tls(domain: "node.test")));

        var state = Assert.Single(await client.GetPostStatesAsync(CancellationToken.None));

        Assert.Equal(new IdentityState("diskA_post1", Id(1), NodePostState.Proving), state);
    }

    [Fact]
    public async Task A_server_certificate_for_another_name_is_refused()
    {
        // The server's certificate names node.test, not the 127.0.0.1 we dial.
        using var client = new NodeGrpcClient(FakeNode.SpecAt(PostListener, _certificates.Tls(domain: null)));

        var error = await Assert.ThrowsAsync<NodeUnavailableException>(() => client.GetPostStatesAsync(CancellationToken.None));

        Assert.Contains("post listener (https://127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("SSL connection could not be established", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_is_refused()
    {
        using var other = new TestCertificates();
        var tls = _certificates.Tls("node.test") with { CaCert = other.CaPath };
        using var client = new NodeGrpcClient(FakeNode.SpecAt(PostListener, tls));

        var error = await Assert.ThrowsAsync<NodeUnavailableException>(() => client.GetPostStatesAsync(CancellationToken.None));

        Assert.Contains("SSL connection could not be established", error.Message, StringComparison.Ordinal);
    }
}
