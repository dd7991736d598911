using System.Text;
using Microsoft.AspNetCore.Builder;
using PostFleet.Core.Model;
using PostFleet.Spacemesh.Node;
using Spacemesh.V1;
using static PostFleet.Spacemesh.Tests.NodeGrpcClientTests;

namespace PostFleet.Spacemesh.Tests;

/// <summary>
/// Every member of the real <c>Event</c> oneof (spacemeshos/api spacemesh/v1/admin_types.proto), written byte by
/// byte with the real field numbers, sent over a real gRPC EventsStream and read by PostFleet's node client. A field
/// number of ours that drifted from the real one would land in unknown fields and show up here as "unknown".
/// </summary>
public sealed class RealEventWireTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2024-03-08T14:39:00Z");
    private static readonly DateTimeOffset RoundEnd = DateTimeOffset.Parse("2024-03-09T08:00:00Z");
    private static readonly byte[] Smesher = [.. Enumerable.Repeat((byte)1, 32)];

    [Fact]
    public async Task The_poet_wait_replacements_map_like_the_deprecated_events_and_the_rest_decode_by_name()
    {
        (byte[] Bytes, NodeEvent Expected)[] cases =
        [
            (EventBytes(18, "help 18", Message(Varint(1, 3), Varint(2, 4), Bytes(3, Time(RoundEnd)), Bytes(4, Smesher))), new NodeEvent.PoetWaitRound(At, Id(1), 3, 4, RoundEnd)),
            (EventBytes(22, "help 22", Message(Varint(1, 4), Varint(2, 5), Bytes(3, Time(RoundEnd)), Bytes(4, Smesher))), new NodeEvent.PoetWaitProof(At, Id(1), 4, 5, RoundEnd)),
            (EventBytes(9, "help 9", Message(Varint(1, 3), Varint(2, 4), Bytes(4, Time(RoundEnd)), Bytes(5, Smesher))), new NodeEvent.PoetWaitRound(At, Id(1), 3, 4, RoundEnd)),
            (EventBytes(10, "help 10", Message(Varint(1, 4), Varint(2, 5), Bytes(4, Time(RoundEnd)), Bytes(5, Smesher))), new NodeEvent.PoetWaitProof(At, Id(1), 4, 5, RoundEnd)),
            (EventBytes(4, "beacon", Message(Varint(1, 7), Bytes(2, [1, 2, 3, 4]))), new NodeEvent.Other(At, "beacon", "beacon")),
            (EventBytes(5, "init start", Message(Bytes(1, Smesher), Bytes(2, Smesher))), new NodeEvent.Other(At, "initStart", "init start")),
            (EventBytes(6, "init complete", Message(Bytes(1, Smesher))), new NodeEvent.Other(At, "initComplete", "init complete")),
            (EventBytes(14, "init failed", Message(Bytes(1, Smesher), Bytes(2, Smesher), Bytes(3, Encoding.UTF8.GetBytes("disk full")))), new NodeEvent.Other(At, "initFailed", "init failed")),
            (EventBytes(12, "eligibilities", Message(Varint(1, 7), Bytes(2, [9, 9, 9, 9]), Bytes(3, Smesher), Varint(4, 1000), Bytes(5, Message(Varint(1, 70), Varint(2, 2))), Bytes(6, Smesher))), new NodeEvent.Other(At, "eligibilities", "eligibilities")),
            (EventBytes(13, "proposal", Message(Varint(1, 71), Bytes(2, [.. Enumerable.Repeat((byte)5, 20)]), Bytes(3, Smesher))), new NodeEvent.Other(At, "proposal", "proposal")),
            (EventBytes(15, "malfeasance", Message(Bytes(1, Message(Bytes(1, Message(Bytes(1, Smesher))), Bytes(2, Message(Varint(1, 70))), Varint(3, 1), Bytes(4, Encoding.UTF8.GetBytes("double publish")), Bytes(5, [1]))))), new NodeEvent.Other(At, "malfeasance", "malfeasance")),
        ];
        var admin = new FakeAdmin();
        admin.Events.AddRange(cases.Select(c => global::Spacemesh.V1.Event.Parser.ParseFrom(c.Bytes)));
        Assert.All(admin.Events, e => Assert.Null(e.DetailsCase switch { global::Spacemesh.V1.Event.DetailsOneofCase.None => "no details", _ => null }));
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakeAdmin>(), [admin]);
        using var client = new NodeGrpcClient(node.Spec());
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var received = new List<NodeEvent>();
        await foreach (var e in client.StreamEventsAsync(stop.Token))
        {
            received.Add(e);
            if (received.Count == cases.Length)
            {
                break;
            }
        }

        Assert.Equal(cases.Select(c => c.Expected), received);
    }

    /// <summary>An Event: timestamp (1), help (3) and the detail at its oneof tag.</summary>
    private static byte[] EventBytes(int tag, string help, byte[] detail) =>
        Message(Bytes(1, Time(At)), Bytes(3, Encoding.UTF8.GetBytes(help)), Bytes(tag, detail));

    /// <summary>google.protobuf.Timestamp: seconds (1), nanos (2).</summary>
    private static byte[] Time(DateTimeOffset time) => Message(Varint(1, (ulong)time.ToUnixTimeSeconds()));

    private static byte[] Message(params byte[][] fields) => [.. fields.SelectMany(f => f)];

    private static byte[] Varint(int field, ulong value) => [.. VarintBytes((ulong)(field << 3)), .. VarintBytes(value)];

    private static byte[] Bytes(int field, byte[] value) => [.. VarintBytes((ulong)((field << 3) | 2)), .. VarintBytes((ulong)value.Length), .. value];

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);

        return [.. bytes];
    }
}
