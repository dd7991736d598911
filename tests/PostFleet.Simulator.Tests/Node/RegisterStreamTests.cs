using Grpc.Core;
using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>The Register stream's connection rules (fact sheet §2): one service per node id, disconnects, unknown ids.</summary>
public sealed class RegisterStreamTests
{
    [Fact]
    public async Task Duplicate_is_rejected_disconnect_keeps_proving_and_reconnect_gets_the_same_challenge()
    {
        await using var node = await NodeProcess.StartAsync(["alpha"]);
        var first = FakePostService.Connect(node.PostPort, node.NodeId("alpha"));
        first.Deliver = (_, _) => false;
        await node.WaitForRecordAsync("service-registered", "alpha");

        // A second service with the same node id is refused; the first keeps working.
        await using (var duplicate = FakePostService.Connect(node.PostPort, node.NodeId("alpha")))
        {
            var rejected = await Assert.ThrowsAsync<RpcException>(() => duplicate.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(StatusCode.Unknown, rejected.StatusCode);
            Assert.Equal("post service already registered", rejected.Status.Detail);
            await node.WaitForRecordAsync("service-rejected", "alpha");
        }

        first.Deliver = (_, polls) => polls >= 2;
        await node.WaitForRecordAsync("proof-delivered", "alpha", l => l.GetProperty("kind").GetString() == "initial");

        // Mid-NiPoST the service dies: the node waits (still PROVING), then re-sends the same challenge.
        first.Deliver = (_, _) => false;
        var requested = await node.WaitForRecordAsync("proof-requested", "alpha", l => l.GetProperty("kind").GetString() == "nipost");
        var challenge = requested.GetProperty("challenge").GetString();
        await PostFleet.Testing.Eventually.UntilAsync(() => first.Challenges.Any(c => Convert.ToHexStringLower(c) == challenge), "the NiPoST challenge at the first service");
        await first.DisposeAsync();
        await node.WaitForRecordAsync("service-disconnected", "alpha");
        var states = await new PostInfoService.PostInfoServiceClient(node.Channel(node.PostPort)).PostStatesAsync(new PostStatesRequest());
        Assert.Equal(PostState.Types.State.Proving, Assert.Single(states.States).State);

        await using var second = FakePostService.Connect(node.PostPort, node.NodeId("alpha"));
        await node.WaitForRecordAsync("proof-delivered", "alpha", l => l.GetProperty("kind").GetString() == "nipost");
        Assert.All(second.Challenges, c => Assert.Equal(challenge, Convert.ToHexStringLower(c)));
        Assert.Equal(1, second.ProofsDelivered);

        // postStart once per Proof call: the reconnection did not emit another.
        Assert.Equal(2, node.Record().Count(l => NodeProcess.Is(l, "post-start", "alpha")));
        Assert.DoesNotContain(node.Record(), l => NodeProcess.Is(l, "proof-failed"));
    }

    [Fact]
    public async Task Unknown_node_id_is_accepted_and_idles()
    {
        await using var node = await NodeProcess.StartAsync(["alpha"]);
        var stranger = PostFleet.Simulator.Common.IdentityKey.Generate().PublicKey;
        await using var service = FakePostService.Connect(node.PostPort, stranger);
        var registered = await node.WaitForRecordAsync("service-registered", match: l => l.GetProperty("nodeId").GetString() == Convert.ToHexStringLower(stranger));
        Assert.False(registered.GetProperty("known").GetBoolean());
        Assert.False(service.Completion.IsCompleted);
        var states = await new PostInfoService.PostInfoServiceClient(node.Channel(node.PostPort)).PostStatesAsync(new PostStatesRequest());
        Assert.Equal("alpha.key", Assert.Single(states.States).Name);
        Assert.Equal(1, service.MetadataRequests);
        Assert.Empty(service.Challenges);
    }
}
