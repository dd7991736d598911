using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Model;
using PostFleet.Spacemesh.Node;
using PostFleet.Testing;
using Spacemesh.V1;
using Spacemesh.V2Alpha1;

namespace PostFleet.Spacemesh.Tests;

public sealed class NodeGrpcClientTests
{
    private static readonly DateTimeOffset Genesis = DateTimeOffset.Parse("2024-03-08T14:30:00Z");
    private static readonly NodeClientOptions Quick = NodeClientOptions.Default with { CallTimeout = TimeSpan.FromSeconds(1) };

    internal static ByteString Key(byte fill) => ByteString.CopyFrom(Enumerable.Repeat(fill, 32).ToArray());

    internal static NodeId Id(byte fill) => NodeId.FromBytes(Enumerable.Repeat(fill, 32).ToArray());

    [Fact]
    public async Task Post_states_come_sorted_by_name_without_the_key_suffix()
    {
        var postInfo = new FakePostInfo();
        postInfo.Answer.States.Add(
        [
            new PostState { Id = Key(3), Name = "diskC_post1.key", State = PostState.Types.State.Idle },
            new PostState { Id = Key(2), Name = "diskA_post2.key", State = PostState.Types.State.Proving },
            new PostState { Id = Key(9), Name = "local.key", State = PostState.Types.State.Idle },
            new PostState { Id = Key(1), Name = "diskA_post1.key", State = PostState.Types.State.Proving },
        ]);
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakePostInfo>(), [postInfo]);
        using var client = new NodeGrpcClient(node.Spec());

        var states = await client.GetPostStatesAsync(CancellationToken.None);

        Assert.Equal(
            [
                new IdentityState("diskA_post1", Id(1), NodePostState.Proving),
                new IdentityState("diskA_post2", Id(2), NodePostState.Proving),
                new IdentityState("diskC_post1", Id(3), NodePostState.Idle),
                new IdentityState("local", Id(9), NodePostState.Idle),
            ],
            states);
    }

    [Fact]
    public async Task A_malformed_identity_id_is_an_error_naming_the_post_listener()
    {
        var postInfo = new FakePostInfo();
        postInfo.Answer.States.Add(new PostState { Id = ByteString.CopyFrom(1, 2, 3), Name = "short.key", State = PostState.Types.State.Idle });
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakePostInfo>(), [postInfo]);
        using var client = new NodeGrpcClient(node.Spec());

        var error = await Assert.ThrowsAsync<NodeUnavailableException>(() => client.GetPostStatesAsync(CancellationToken.None));

        Assert.Equal(NodeListener.Post, error.Listener);
        Assert.Contains("post listener", error.Message, StringComparison.Ordinal);
        Assert.Contains("short.key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hung_node_fails_the_call_within_the_call_timeout()
    {
        var postInfo = new FakePostInfo { Hang = true };
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakePostInfo>(), [postInfo]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = new NodeGrpcClient(node.Spec(), Quick, time);

        // The call ends when its 1 s has passed on the client's clock, and not before.
        var call = client.GetPostStatesAsync(CancellationToken.None);
        await Eventually.UntilAsync(() => postInfo.Calls > 0, "the call to reach the node");
        time.Advance(TimeSpan.FromSeconds(0.9));
        Assert.False(call.IsCompleted, "failed before its timeout");

        time.Advance(TimeSpan.FromSeconds(0.1));
        var error = await Assert.ThrowsAsync<NodeUnavailableException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("PostInfoService.PostStates got no answer within 1 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        var postInfo = new FakePostInfo { Hang = true };
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakePostInfo>(), [postInfo]);
        using var client = new NodeGrpcClient(node.Spec());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetPostStatesAsync(cancel.Token));
    }

    [Fact]
    public async Task A_node_that_is_not_listening_is_unavailable_naming_the_listener_and_address()
    {
        var address = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        using var client = new NodeGrpcClient(FakeNode.SpecAt(address), Quick);

        var error = await Assert.ThrowsAsync<NodeUnavailableException>(() => client.GetHighestAtxIdAsync(CancellationToken.None));

        Assert.Contains($"node public listener ({address})", error.Message, StringComparison.Ordinal);
        Assert.Contains("ActivationService.Highest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_clock_comes_from_network_info_with_its_exact_layer_duration()
    {
        var network = new FakeNetwork
        {
            Answer = new NetworkInfoResponse
            {
                GenesisTime = Timestamp.FromDateTimeOffset(Genesis),
                LayerDuration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)),
                LayersPerEpoch = 15,
            },
        };
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakeNetwork>(), [network]);
        using var client = new NodeGrpcClient(node.Spec());

        var clock = await client.GetNetworkClockAsync(CancellationToken.None);

        Assert.Equal(new Core.Timeline.NetworkClock(Genesis, TimeSpan.FromMilliseconds(1500), 15), clock);
    }

    [Fact]
    public async Task Without_network_info_the_clock_comes_from_the_mesh_service()
    {
        var mesh = new FakeMesh { GenesisUnixSeconds = (ulong)Genesis.ToUnixTimeSeconds(), LayerSeconds = 60, LayersPerEpoch = 15 };
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakeMesh>(), [mesh]);
        using var client = new NodeGrpcClient(node.Spec());

        var clock = await client.GetNetworkClockAsync(CancellationToken.None);

        Assert.Equal(new Core.Timeline.NetworkClock(Genesis, TimeSpan.FromMinutes(1), 15), clock);
    }

    [Fact]
    public async Task A_clock_with_zero_layers_per_epoch_is_refused()
    {
        var mesh = new FakeMesh { GenesisUnixSeconds = 1, LayerSeconds = 60, LayersPerEpoch = 0 };
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakeMesh>(), [mesh]);
        using var client = new NodeGrpcClient(node.Spec());

        var error = await Assert.ThrowsAsync<NodeUnavailableException>(() => client.GetNetworkClockAsync(CancellationToken.None));

        Assert.Contains("incomplete clock", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Highest_atx_id_and_health()
    {
        var activation = new FakeActivation { Answer = new HighestResponse { Atx = new Activation { Id = new ActivationId { Id = Key(7) } } } };
        var nodeService = new FakeNodeService
        {
            StatusAnswer = new StatusResponse { Status = new NodeStatus { ConnectedPeers = 12, IsSynced = true, TopLayer = new LayerNumber { Number = 345 } } },
        };
        await using var node = await FakeNode.StartAsync(
            app =>
            {
                app.MapGrpcService<FakeActivation>();
                app.MapGrpcService<FakeNodeService>();
            },
            [activation, nodeService]);
        using var client = new NodeGrpcClient(node.Spec());

        Assert.Equal(Enumerable.Repeat((byte)7, 32), await client.GetHighestAtxIdAsync(CancellationToken.None));
        Assert.Equal(new Core.Ports.NodeHealth(true, 345, 12, "v1.7.6"), await client.GetHealthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Events_stream_says_when_the_node_has_subscribed_before_its_replay_and_with_no_replay_at_all()
    {
        var admin = new FakeAdmin();
        admin.Events.Add(new Event { Timestamp = Timestamp.FromDateTimeOffset(Genesis), PostStart = new EventPostStart { Smesher = Key(1), Challenge = Key(0xab) } });
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakeAdmin>(), [admin]);
        using var client = new NodeGrpcClient(node.Spec());

        var subscribed = 0;
        await foreach (var _ in client.StreamEventsAsync(() => subscribed++, CancellationToken.None))
        {
            Assert.Equal(1, subscribed); // before the first replayed event
            break;
        }

        // Nothing to replay: the header alone says the stream is there.
        admin.Events.Clear();
        using var stop = new CancellationTokenSource();
        var empty = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in client.StreamEventsAsync(() => empty.TrySetResult(), stop.Token))
            {
            }
        });
        await empty.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    [Fact]
    public async Task Events_stream_maps_post_completion_and_its_failure_form()
    {
        var admin = new FakeAdmin();
        var at = Timestamp.FromDateTimeOffset(Genesis);
        admin.Events.Add(new Event { Timestamp = at, PostStart = new EventPostStart { Smesher = Key(1), Challenge = Key(0xab) } });
        admin.Events.Add(new Event { Timestamp = at, PostComplete = new EventPostComplete { Smesher = Key(1), Challenge = Key(0xab) } });
        admin.Events.Add(new Event { Timestamp = at, Failure = true, Help = "Node failed PoST execution.", PostComplete = new EventPostComplete { Smesher = Key(2) } });
        admin.Events.Add(new Event { Timestamp = at, RegisteredInPoet = new EventRegisteredInPoet { Smesher = Key(1), Url = "http://poet" } });
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakeAdmin>(), [admin]);
        using var client = new NodeGrpcClient(node.Spec());
        using var stop = new CancellationTokenSource();

        var received = new List<NodeEvent>();
        await foreach (var e in client.StreamEventsAsync(stop.Token))
        {
            received.Add(e);
            if (received.Count == admin.Events.Count)
            {
                break;
            }
        }

        Assert.Equal(
            [
                new NodeEvent.PostStarted(Genesis, Id(1), string.Concat(Enumerable.Repeat("ab", 32))),
                new NodeEvent.PostCompleted(Genesis, Id(1), string.Concat(Enumerable.Repeat("ab", 32))),
                new NodeEvent.PostFailed(Genesis, Id(2), "Node failed PoST execution."),
                new NodeEvent.Other(Genesis, "registeredInPoet", ""),
            ],
            received);
    }

    [Fact]
    public async Task A_broken_event_stream_is_unavailable_naming_the_private_listener()
    {
        var admin = new FakeAdmin { FailWith = new Status(StatusCode.Cancelled, "buffer is full") };
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakeAdmin>(), [admin]);
        using var client = new NodeGrpcClient(node.Spec());

        var error = await Assert.ThrowsAsync<NodeUnavailableException>(async () =>
        {
            await foreach (var _ in client.StreamEventsAsync(CancellationToken.None))
            {
            }
        });

        Assert.Equal(NodeListener.Private, error.Listener);
        Assert.Contains("AdminService.EventsStream was cancelled by the node", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keepalive_pings_more_often_than_every_minute_are_refused()
    {
        var address = new Uri("http://127.0.0.1:1");

        Assert.Throws<ArgumentException>(() => new NodeGrpcClient(FakeNode.SpecAt(address), NodeClientOptions.Default with { KeepAlivePingDelay = TimeSpan.FromSeconds(30) }));
    }

    [Fact]
    public void A_listener_without_an_http_scheme_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new NodeGrpcClient(FakeNode.SpecAt(new Uri("tcp://127.0.0.1:9092"))));
    }
}
