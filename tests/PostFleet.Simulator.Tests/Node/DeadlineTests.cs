using Grpc.Core;
using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>Fact sheet §8: a service that never delivers before the publish epoch ends.</summary>
public sealed class DeadlineTests
{
    [Fact]
    public async Task Missed_deadline_fails_the_post_and_then_turns_idle()
    {
        await using var node = await NodeProcess.StartAsync(["alpha"]);
        await using var service = FakePostService.Connect(node.PostPort, node.NodeId("alpha"));
        service.Deliver = (challenge, polls) => challenge.All(b => b == 0) && polls >= 2;

        using var events = new AdminService.AdminServiceClient(node.Channel(node.PrivatePort)).EventsStream(new EventStreamRequest());
        var failed = await node.WaitForRecordAsync("proof-failed", "alpha");
        Assert.Equal("context deadline exceeded", failed.GetProperty("reason").GetString());

        // In this order: the deadline passes, the proof fails, the identity goes IDLE, its challenge goes stale.
        var idle = await node.WaitForRecordAsync("state", "alpha", l => l.GetProperty("to").GetString() == "IDLE" && ProofFlowTests.Time(l) >= ProofFlowTests.Time(failed));
        var requested = await node.WaitForRecordAsync("proof-requested", "alpha", l => l.GetProperty("kind").GetString() == "nipost");
        var publish = requested.GetProperty("publishEpoch").GetInt32();
        var deadline = DateTimeOffset.Parse(requested.GetProperty("deadline").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ProofFlowTests.Time(failed) >= deadline, $"failed at {ProofFlowTests.Time(failed):O}, before the deadline {deadline:O}");
        var stale = await node.WaitForRecordAsync("challenge-stale", "alpha", l => l.GetProperty("publishEpoch").GetInt32() == publish);
        Assert.True(ProofFlowTests.Time(stale) >= deadline, "the challenge went stale before its deadline");
        Assert.Equal("PROVING", idle.GetProperty("from").GetString());

        // Publish epoch P+1 is lost too (its round started during the failed proof): the next challenge targets P+2.
        var next = await node.WaitForRecordAsync("challenge-built", "alpha", l => l.GetProperty("publishEpoch").GetInt32() > publish);
        Assert.Equal(publish + 2, next.GetProperty("publishEpoch").GetInt32());

        // The failure form of postComplete: failure=true, no challenge.
        var failure = await ReadUntilAsync(events.ResponseStream, e => e.DetailsCase == Event.DetailsOneofCase.PostComplete && e.Failure);
        Assert.True(failure.PostComplete.Challenge.IsEmpty);
        Assert.Equal(node.NodeId("alpha"), failure.PostComplete.Smesher.ToByteArray());
    }

    internal static async Task<Event> ReadUntilAsync(IAsyncStreamReader<Event> stream, Func<Event, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        while (await stream.MoveNext(timeout.Token))
        {
            if (match(stream.Current))
            {
                return stream.Current;
            }
        }

        throw new InvalidOperationException("event stream ended");
    }
}
