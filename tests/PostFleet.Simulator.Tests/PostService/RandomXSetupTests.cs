using PostFleet.Simulator.Common;
using PostFleet.Simulator.PostService;
using PostFleet.Testing;
using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>
/// The RandomX prover's build at the start of every proof (post-rs service/src/service.rs, <c>gen_proof</c>): in
/// fast mode the first reply to a new proof and every /status wait for it; light mode pays a short build; remote
/// k2pow none.
/// </summary>
public sealed class RandomXSetupTests
{
    private static readonly byte[] Challenge = [.. Enumerable.Repeat((byte)0x3D, 32)];

    [Fact]
    public async Task Fast_mode_holds_the_first_reply_and_status_for_the_build_and_builds_again_for_the_next_proof()
    {
        using var host = new SimHostFolder(randomXSetup: (Fast: 3, Light: 0));
        var dir = Path.Combine(host.Disk("diskA", readBytesPerSecond: 1 << 20), "post1");
        SimHostFolder.WriteData(dir, numUnits: 4);
        await using var node = await FakeNode.StartAsync();
        var operatorPort = FreePorts.Next();
        await using var service = PostServiceProcess.Start(host, "-a", node.Address, "--operator-address", $"127.0.0.1:{operatorPort}", "-d", dir, "--nonces", "16", "--randomx-mode", "fast");
        await node.Metadata.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("\"Idle\"", await PostServiceProcess.StatusAsync(operatorPort));

        var first = node.GenProofAsync(Challenge);
        await Eventually.UntilAsync((Func<bool>)(() => Events(host).Contains("randomx-setup-start")), "the build to begin");
        var status = PostServiceProcess.StatusAsync(operatorPort);
        Assert.False(first.IsCompleted, "the first reply came before the build ended");

        // Both answers come once the build is over, and the status then shows the proof's start.
        Assert.StartsWith("{\"Proving\":", await status, StringComparison.Ordinal);
        Assert.Contains("randomx-setup-end", Events(host));
        Assert.Equal(GenProofStatus.Ok, (await first).GenProof.Status);
        var setup = host.Record().Single(e => e.GetProperty("event").GetString() == "randomx-setup-start");
        Assert.Equal("fast", setup.GetProperty("mode").GetString());
        Assert.Equal(Convert.ToHexStringLower(Challenge), setup.GetProperty("challenge").GetString());

        // The prover goes with the proving thread: after the hand-over, the next proof builds it again.
        await PostServiceProcess.UntilAsync(async () => (await node.GenProofAsync(Challenge)).GenProof.Proof is not null, "the proof", TimeSpan.FromSeconds(60));
        Assert.Equal(GenProofStatus.Ok, (await node.GenProofAsync(Challenge)).GenProof.Status);
        Assert.Equal(2, Events(host).Count(e => e == "randomx-setup-end"));
    }

    [Fact]
    public void Light_mode_builds_the_short_cache_fast_mode_the_dataset_and_remote_k2pow_nothing()
    {
        var host = HostProfile.Default with { RandomXFastSetupSeconds = 40, RandomXLightSetupSeconds = 0.5 };
        var options = new PostServiceOptions { Dir = "/data", Address = "http://127.0.0.1:1" };

        Assert.Equal(new RandomXSetup("fast", TimeSpan.FromSeconds(40)), RandomXSetup.Of(options, host));
        Assert.Equal(new RandomXSetup("light", TimeSpan.FromSeconds(0.5)), RandomXSetup.Of(options with { RandomxMode = "Light" }, host));
        Assert.Null(RandomXSetup.Of(options with { RemoteK2pow = "http://127.0.0.1:3000" }, host));
    }

    [Fact]
    public void The_host_profile_reads_the_build_times_and_defaults_them_when_absent()
    {
        using var temp = new TempDirectory("pf-randomx");
        Assert.Equal(HostProfile.Default, HostProfile.Load(temp.Path));
        Assert.True(HostProfile.Default.RandomXFastSetupSeconds > 10 * HostProfile.Default.RandomXLightSetupSeconds);

        File.WriteAllText(Path.Combine(temp.Path, HostProfile.FileName), """{"randomxFastSetupSeconds": 12.5, "randomxLightSetupSeconds": 0.25}""");
        var loaded = HostProfile.Load(temp.Path);
        Assert.Equal(12.5, loaded.RandomXFastSetupSeconds);
        Assert.Equal(0.25, loaded.RandomXLightSetupSeconds);
    }

    private static List<string?> Events(SimHostFolder host) => [.. host.Record().Select(e => e.GetProperty("event").GetString())];
}
