using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>
/// Initial PoST at start, then a NiPoST in the cycle gap with one challenge shared by all identities, then the ATX
/// (fact sheet §2, §3, §7). Scale 120: PROVING for publish epoch 1 at G+9 s, ATX at the latest at G+7.5 s.
/// </summary>
public sealed class ProofFlowTests
{
    private static readonly string ZeroChallenge = new('0', 64);

    [Fact]
    public async Task Initial_post_then_nipost_in_the_cycle_gap_then_atx()
    {
        await using var node = await NodeProcess.StartAsync(["alpha", "beta"]);
        await using var alpha = FakePostService.Connect(node.PostPort, node.NodeId("alpha"));
        await using var beta = FakePostService.Connect(node.PostPort, node.NodeId("beta"));

        foreach (var name in new[] { "alpha", "beta" })
        {
            var requested = await node.WaitForRecordAsync("proof-requested", name, l => l.GetProperty("kind").GetString() == "initial");
            Assert.Equal(ZeroChallenge, requested.GetProperty("challenge").GetString());
            Assert.Equal(JsonValueKind.Null, requested.GetProperty("deadline").ValueKind);
            Assert.Equal(node.NodeIdHex(name), requested.GetProperty("nodeId").GetString());
            await node.WaitForRecordAsync("proof-delivered", name, l => l.GetProperty("kind").GetString() == "initial");
        }

        var genesis = DateTimeOffset.Parse(node.Record()[0].GetProperty("genesis").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var nipostA = await node.WaitForRecordAsync("proof-requested", "alpha", l => l.GetProperty("kind").GetString() == "nipost");
        var nipostB = await node.WaitForRecordAsync("proof-requested", "beta", l => l.GetProperty("kind").GetString() == "nipost");
        var publish = nipostA.GetProperty("publishEpoch").GetInt32();
        Assert.Equal(publish, nipostB.GetProperty("publishEpoch").GetInt32());
        Assert.Equal(nipostA.GetProperty("challenge").GetString(), nipostB.GetProperty("challenge").GetString());
        Assert.NotEqual(ZeroChallenge, nipostA.GetProperty("challenge").GetString());

        // The cycle gap for publish epoch P opens at G + 15P m + 10 m − 7 m, scaled by 120: G + 7.5P s + 1.5 s.
        var epoch = TimeSpan.FromSeconds(7.5);
        Assert.True(Time(nipostA) >= genesis + (epoch * publish) + TimeSpan.FromSeconds(1.5), $"PROVING at {Time(nipostA):O}, before the cycle gap");
        var deadline = DateTimeOffset.Parse(nipostA.GetProperty("deadline").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(genesis + (epoch * (publish + 1)), deadline);
        Assert.True(Time(nipostA) < deadline, $"PROVING at {Time(nipostA):O}, after its own deadline");

        var atx = await node.WaitForRecordAsync("atx-published", "alpha");
        Assert.Equal(publish, atx.GetProperty("publishEpoch").GetInt32());
        var atxB = await node.WaitForRecordAsync("atx-published", "beta");

        // Each identity's state went IDLE → PROVING → IDLE twice, and the challenge reached the services.
        var transitions = node.Record().Where(l => NodeProcess.Is(l, "state", "alpha")).Select(l => l.GetProperty("to").GetString()).Take(5);
        Assert.Equal(["IDLE", "PROVING", "IDLE", "PROVING", "IDLE"], transitions);
        Assert.Equal(ZeroChallenge, Convert.ToHexStringLower(alpha.Challenges.First()));
        Assert.Contains(alpha.Challenges, c => Convert.ToHexStringLower(c) == nipostA.GetProperty("challenge").GetString());
        Assert.True(alpha.Challenges.Count >= 6, "GenProof is re-sent while the service answers in-progress");
        Assert.Equal(2, node.Record().Count(l => NodeProcess.Is(l, "post-start", "alpha")));

        var highest = await new ActivationService.ActivationServiceClient(node.Channel(node.PublicPort)).HighestAsync(new Empty());
        Assert.Equal((uint)publish, highest.Atx.Layer.Number);
        Assert.Contains(Convert.ToHexStringLower(highest.Atx.Id.Id.ToByteArray()), new[] { atx.GetProperty("atxId").GetString(), atxB.GetProperty("atxId").GetString() });
        Assert.Equal(4u, highest.Atx.NumUnits);
    }

    internal static DateTimeOffset Time(JsonElement line) =>
        DateTimeOffset.Parse(line.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
