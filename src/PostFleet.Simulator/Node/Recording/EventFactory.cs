using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>Builds the AdminService events with the fields and help texts of fact sheet §6.</summary>
public sealed class EventFactory(TimeProvider time)
{
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
        var e = New("Node is waiting for PoET registration window in current epoch to open. After this it will submit challenge and wait until PoET round ends in publish epoch.");
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
        var e = New("Node is waiting for PoET registration window in current epoch to open.");
        e.WaitingForPoetRegistrationWindow = new EventWaitingForPoetRegistrationWindow
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
        var e = New("Node is waiting for PoET to complete. After that it will start PoST execution using the challenge from PoET.");
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
        var e = New("Node is waiting for PoET round to end.");
        e.WaitingForPoetRoundEnd = new EventWaitingForPoetRoundEnd
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
        var e = New("Published activation. Node is waiting for target epoch to start to be eligible for rewards.");
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
