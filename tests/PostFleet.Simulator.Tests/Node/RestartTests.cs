using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>
/// go-spacemesh after a restart (activation.go: Register sets every key IDLE; BuildNIPostChallenge waits for the ATX
/// sync; then Proof asks for the same challenge again): the simulated node lists every identity IDLE and says
/// is_synced false for --sync-time, then resumes PROVING with the stored challenge; its progress survives.
/// </summary>
public sealed class RestartTests
{
    [Fact]
    public async Task A_restart_mid_proof_lists_every_identity_IDLE_unsynced_for_the_sync_time_then_resumes_the_same_challenge()
    {
        // Scale 40: the gap opens at G+27 s and its deadline is 18 s later, room for a restart and a 6 s sync.
        await using var node = await NodeProcess.StartAsync(["alpha", "beta"], timeScale: 40);
        var requested = new Dictionary<string, System.Text.Json.JsonElement>();
        await using (var alpha = FakePostService.Connect(node.PostPort, node.NodeId("alpha")))
        await using (var beta = FakePostService.Connect(node.PostPort, node.NodeId("beta")))
        {
            // Initial PoSTs delivered; the NiPoSTs are asked for and never delivered before the restart.
            alpha.Deliver = beta.Deliver = (challenge, polls) => challenge.All(b => b == 0) && polls >= 2;
            foreach (var name in new[] { "alpha", "beta" })
            {
                requested[name] = await node.WaitForRecordAsync("proof-requested", name, l => l.GetProperty("kind").GetString() == "nipost");
                await node.WaitForRecordAsync("post-start", name, l => l.GetProperty("challenge").GetString() == requested[name].GetProperty("challenge").GetString());
            }
        }

        // Sync time 4 m of network time = 6 s at scale 40: long enough to be seen unsynced on a loaded machine.
        var restartedAt = DateTimeOffset.UtcNow;
        await node.RestartAsync("--sync-time", "4m");
        var postInfo = new PostInfoService.PostInfoServiceClient(node.Channel(node.PostPort));
        var status = new NodeService.NodeServiceClient(node.Channel(node.PublicPort));

        var states = await postInfo.PostStatesAsync(new PostStatesRequest());
        Assert.Equal(2, states.States.Count);
        Assert.All(states.States, s => Assert.Equal(PostState.Types.State.Idle, s.State));
        Assert.False((await status.StatusAsync(new StatusRequest())).Status.IsSynced);

        var synced = await node.WaitForRecordAsync("synced", match: l => ProofFlowTests.Time(l) > restartedAt);
        Assert.InRange(ProofFlowTests.Time(synced) - restartedAt, TimeSpan.FromSeconds(5.5), TimeSpan.FromSeconds(30));
        Assert.True((await status.StatusAsync(new StatusRequest())).Status.IsSynced);

        await using var alpha2 = FakePostService.Connect(node.PostPort, node.NodeId("alpha"));
        await using var beta2 = FakePostService.Connect(node.PostPort, node.NodeId("beta"));
        foreach (var name in new[] { "alpha", "beta" })
        {
            var again = await node.WaitForRecordAsync("proof-requested", name, l => ProofFlowTests.Time(l) > restartedAt);
            Assert.True(ProofFlowTests.Time(again) >= ProofFlowTests.Time(synced), $"{name} PROVING before the sync was over");
            Assert.Equal("nipost", again.GetProperty("kind").GetString());
            Assert.Equal(requested[name].GetProperty("challenge").GetString(), again.GetProperty("challenge").GetString());
            Assert.Equal(requested[name].GetProperty("publishEpoch").GetInt32(), again.GetProperty("publishEpoch").GetInt32());
            await node.WaitForRecordAsync("proof-delivered", name, l => l.GetProperty("kind").GetString() == "nipost");
        }

        // What the node's database keeps: the initial PoST is not asked for again, and the IDLE after the restart
        // came from registration (from null), not from a delivery.
        Assert.Equal(2, node.Record().Count(l => NodeProcess.Is(l, "proof-requested") && l.GetProperty("kind").GetString() == "initial"));
        var afterRestart = node.Record().Where(l => NodeProcess.Is(l, "state", "alpha") && ProofFlowTests.Time(l) > restartedAt).Select(l => (l.GetProperty("from").ToString(), l.GetProperty("to").GetString())).ToList();
        Assert.Equal([("", "IDLE"), ("IDLE", "PROVING"), ("PROVING", "IDLE")], afterRestart.Take(3));
    }

    [Fact]
    public async Task The_failure_event_says_only_the_constant_help_text_of_the_real_node()
    {
        await using var node = await NodeProcess.StartAsync(["alpha"]);
        await using var service = FakePostService.Connect(node.PostPort, node.NodeId("alpha"));
        service.Deliver = (challenge, polls) => challenge.All(b => b == 0) && polls >= 2;
        using var events = new AdminService.AdminServiceClient(node.Channel(node.PrivatePort)).EventsStream(new EventStreamRequest());

        var failure = await DeadlineTests.ReadUntilAsync(events.ResponseStream, e => e.DetailsCase == Event.DetailsOneofCase.PostComplete && e.Failure);

        // go-spacemesh events.EmitPostFailure: the reason ("context deadline exceeded") is only in the log and the record.
        Assert.Equal("Node failed PoST execution.", failure.Help);
        Assert.Equal("context deadline exceeded", (await node.WaitForRecordAsync("proof-failed", "alpha")).GetProperty("reason").GetString());
    }
}
