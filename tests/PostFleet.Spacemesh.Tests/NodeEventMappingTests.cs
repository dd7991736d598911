using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using PostFleet.Core.Model;
using PostFleet.Spacemesh.Node;
using Spacemesh.V1;
using static PostFleet.Spacemesh.Tests.NodeGrpcClientTests;

namespace PostFleet.Spacemesh.Tests;

public class NodeEventMappingTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2024-03-08T14:39:00Z");
    private static readonly DateTimeOffset Later = DateTimeOffset.Parse("2024-03-08T14:48:00Z");

    private static Event New() => new() { Timestamp = Timestamp.FromDateTimeOffset(At), Help = "help text" };

    [Fact]
    public void Poet_waits_and_atx_publication_keep_their_epochs_and_times()
    {
        var round = New();
        round.PoetWaitRound = new EventPoetWaitRound { Current = 0, Publish = 1, Until = Timestamp.FromDateTimeOffset(Later), Smesher = Key(1) };
        var proof = New();
        proof.PoetWaitProof = new EventPoetWaitProof { Publish = 1, Target = 2, Until = Timestamp.FromDateTimeOffset(Later), Smesher = Key(1) };
        var atx = New();
        atx.AtxPublished = new EventAtxPubished { Current = 1, Target = 2, Id = Key(0x5c), Smesher = Key(1) };

        Assert.Equal(new NodeEvent.PoetWaitRound(At, Id(1), 0, 1, Later), NodeEventMapping.ToNodeEvent(round));
        Assert.Equal(new NodeEvent.PoetWaitProof(At, Id(1), 1, 2, Later), NodeEventMapping.ToNodeEvent(proof));
        Assert.Equal(new NodeEvent.AtxPublished(At, Id(1), 1, 2, string.Concat(Enumerable.Repeat("5c", 32))), NodeEventMapping.ToNodeEvent(atx));
    }

    [Fact]
    public void A_failed_post_is_recognised_by_its_flag()
    {
        var failed = New();
        failed.Failure = true;
        failed.PostComplete = new EventPostComplete { Smesher = Key(4), Challenge = ByteString.Empty };

        Assert.Equal(new NodeEvent.PostFailed(At, Id(4), "help text"), NodeEventMapping.ToNodeEvent(failed));
    }

    [Fact]
    public void A_known_event_with_a_malformed_smesher_and_an_empty_event_are_kept_as_other()
    {
        var malformed = New();
        malformed.PostStart = new EventPostStart { Smesher = ByteString.CopyFrom(1, 2), Challenge = Key(0) };
        var empty = New();

        Assert.Equal(new NodeEvent.Other(At, "postStart", "help text"), NodeEventMapping.ToNodeEvent(malformed));
        Assert.Equal(new NodeEvent.Other(At, "unknown", "help text"), NodeEventMapping.ToNodeEvent(empty));
    }

    [Theory]
    [InlineData(Event.DetailsOneofCase.InitFailed, "initFailed")]
    [InlineData(Event.DetailsOneofCase.BestProofSelected, "bestProofSelected")]
    [InlineData(Event.DetailsOneofCase.PostServiceStarted, "postServiceStarted")]
    public void Other_kinds_are_named_as_in_json(Event.DetailsOneofCase kind, string name) =>
        Assert.Equal(name, NodeEventMapping.Kind(kind));
}
