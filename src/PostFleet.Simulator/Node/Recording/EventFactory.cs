using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>Builds the AdminService events with the fields and help texts of fact sheet §6.</summary>
public sealed class EventFactory(TimeProvider time)
{
    // The node's help texts (go-spacemesh events/events.go): the deprecated wait events and their replacements
    // (oneof tags 9/18 and 10/22) carry the same text.
    private const string PoetWaitRoundHelp = "Node is waiting for PoET registration window in current epoch to open. After this it will submit challenge and wait until PoET round ends in publish epoch.";

    private const string PoetWaitProofHelp = "Node is waiting for PoET to complete. After it's complete, the node will fetch the PoET proof, generate a PoST proof, and finally publish an ATX to establish eligibility for rewards in the target epoch.";

    private Event New(string help, bool failure = false) => new()
    {
        Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        Help = help,
        Failure = failure,
    };

    public Event PostStart(byte[] challenge, byte[] smesher)
    {
        var e = New("Node started PoST execution using the challenge from PoET.");
        e.PostStart = new EventPostStart { Challenge = ByteString.CopyFrom(challenge), Smesher = ByteString.CopyFrom(smesher) };
        return e;
    }

    public Event PostComplete(byte[] challenge, byte[] smesher)
    {
        var e = New("Node finished PoST execution using PoET challenge.");
        e.PostComplete = new EventPostComplete { Challenge = ByteString.CopyFrom(challenge), Smesher = ByteString.CopyFrom(smesher) };
        return e;
    }

    /// <summary>
    /// The failure form (go-spacemesh events.EmitPostFailure): `failure=true`, no challenge, and a constant help text
    /// that never says why; the reason is only in the node's log and the record.
    /// </summary>
    public Event PostFailed(byte[] smesher)
    {
        var e = New("Node failed PoST execution.", failure: true);
        e.PostComplete = new EventPostComplete { Smesher = ByteString.CopyFrom(smesher) };
        return e;
    }

    public Event PoetWaitRound(uint current, uint publish, DateTimeOffset until, byte[] smesher)
    {
        var e = New(PoetWaitRoundHelp);
        e.PoetWaitRound = new EventPoetWaitRound
        {
            Current = current,
            Publish = publish,
            Wait = Duration.FromTimeSpan(Max0(until - time.GetUtcNow())),
            Until = Timestamp.FromDateTimeOffset(until),
            Smesher = ByteString.CopyFrom(smesher),
        };
        return e;
    }

    public Event WaitingForPoetRegistrationWindow(uint current, uint publish, DateTimeOffset until, byte[] smesher)
    {
        var e = New(PoetWaitRoundHelp);
        e.WaitingForPoetRegistrationWindow = new EventWaitingForPoETRegistrationWindow
        {
            Current = current,
            Publish = publish,
            RoundEnd = Timestamp.FromDateTimeOffset(until),
            Smesher = ByteString.CopyFrom(smesher),
        };
        return e;
    }

    public Event PoetWaitProof(uint publish, DateTimeOffset until, byte[] smesher)
    {
        var e = New(PoetWaitProofHelp);
        e.PoetWaitProof = new EventPoetWaitProof
        {
            Publish = publish,
            Target = publish + 1,
            Wait = Duration.FromTimeSpan(Max0(until - time.GetUtcNow())),
            Until = Timestamp.FromDateTimeOffset(until),
            Smesher = ByteString.CopyFrom(smesher),
        };
        return e;
    }

    public Event WaitingForPoetRoundEnd(uint publish, DateTimeOffset roundEnd, byte[] smesher)
    {
        var e = New(PoetWaitProofHelp);
        e.WaitingForPoetRoundEnd = new EventWaitingForPoETRoundEnd
        {
            Publish = publish,
            Target = publish + 1,
            RoundEnd = Timestamp.FromDateTimeOffset(roundEnd),
            Smesher = ByteString.CopyFrom(smesher),
        };
        return e;
    }

    public Event AtxPublished(uint publish, byte[] atxId, DateTimeOffset targetStart, byte[] smesher)
    {
        var e = New("Node published activation for the current epoch. It now needs to wait until the target epoch when it will be eligible for rewards.");
        e.AtxPublished = new EventAtxPubished
        {
            Current = publish,
            Target = publish + 1,
            Id = ByteString.CopyFrom(atxId),
            Wait = Duration.FromTimeSpan(Max0(targetStart - time.GetUtcNow())),
            Until = Timestamp.FromDateTimeOffset(targetStart),
            Smesher = ByteString.CopyFrom(smesher),
        };
        return e;
    }

    private static TimeSpan Max0(TimeSpan span) => span < TimeSpan.Zero ? TimeSpan.Zero : span;
}
