using Google.Protobuf;
using PostFleet.Core.Model;
using Spacemesh.V1;

namespace PostFleet.Spacemesh.Node;

/// <summary>AdminService.EventsStream events as core <see cref="NodeEvent"/>s (spacemesh-node.md §6).</summary>
internal static class NodeEventMapping
{
    public static NodeEvent ToNodeEvent(Event e)
    {
        // A missing timestamp never happens with a real node; the epoch makes such an event obviously old.
        var time = WireTime.Time(e.Timestamp) ?? DateTimeOffset.UnixEpoch;
        return e.DetailsCase switch
        {
            Event.DetailsOneofCase.PostStart when Smesher(e.PostStart.Smesher) is { } id =>
                new NodeEvent.PostStarted(time, id, Hex(e.PostStart.Challenge)),

            // The same message reports success and failure; only the flag tells them apart (its challenge is empty).
            Event.DetailsOneofCase.PostComplete when Smesher(e.PostComplete.Smesher) is { } id => e.Failure
                ? new NodeEvent.PostFailed(time, id, e.Help)
                : new NodeEvent.PostCompleted(time, id, Hex(e.PostComplete.Challenge)),

            Event.DetailsOneofCase.PoetWaitRound when Smesher(e.PoetWaitRound.Smesher) is { } id =>
                new NodeEvent.PoetWaitRound(time, id, e.PoetWaitRound.Current, e.PoetWaitRound.Publish, Time(e.PoetWaitRound.Until)),

            Event.DetailsOneofCase.PoetWaitProof when Smesher(e.PoetWaitProof.Smesher) is { } id =>
                new NodeEvent.PoetWaitProof(time, id, e.PoetWaitProof.Publish, e.PoetWaitProof.Target, Time(e.PoetWaitProof.Until)),

            // The replacements of the two deprecated wait events (tags 18 and 22; go-spacemesh emits both forms today,
            // activation.go and nipost.go, and will drop the old ones): the same facts, with round_end for until.
            Event.DetailsOneofCase.WaitingForPoetRegistrationWindow when Smesher(e.WaitingForPoetRegistrationWindow.Smesher) is { } id =>
                new NodeEvent.PoetWaitRound(time, id, e.WaitingForPoetRegistrationWindow.Current, e.WaitingForPoetRegistrationWindow.Publish, Time(e.WaitingForPoetRegistrationWindow.RoundEnd)),

            Event.DetailsOneofCase.WaitingForPoetRoundEnd when Smesher(e.WaitingForPoetRoundEnd.Smesher) is { } id =>
                new NodeEvent.PoetWaitProof(time, id, e.WaitingForPoetRoundEnd.Publish, e.WaitingForPoetRoundEnd.Target, Time(e.WaitingForPoetRoundEnd.RoundEnd)),

            Event.DetailsOneofCase.AtxPublished when Smesher(e.AtxPublished.Smesher) is { } id =>
                new NodeEvent.AtxPublished(time, id, e.AtxPublished.Current, e.AtxPublished.Target, Hex(e.AtxPublished.Id)),

            // Everything else (beacon, initStart/Complete/Failed, eligibilities, proposal, malfeasance, the PoET and
            // post-service notices), and a known kind whose smesher is malformed: kept by name for the history, never
            // acted on.
            _ => new NodeEvent.Other(time, Kind(e.DetailsCase), e.Help),
        };
    }

    /// <summary>The oneof field's JSON name (postStart, registeredInPoet, ...), as grpcurl would show it.</summary>
    internal static string Kind(Event.DetailsOneofCase kind) => kind switch
    {
        Event.DetailsOneofCase.None => "unknown",
        _ => char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..],
    };

    private static NodeId? Smesher(ByteString smesher) =>
        smesher.Length == NodeId.Length ? NodeId.FromBytes(smesher.Span) : null;

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static DateTimeOffset Time(Google.Protobuf.WellKnownTypes.Timestamp? timestamp) =>
        WireTime.Time(timestamp) ?? DateTimeOffset.UnixEpoch;
}
