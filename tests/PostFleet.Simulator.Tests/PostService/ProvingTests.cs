using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using PostFleet.Simulator.Common;
using PostFleet.Simulator.PostService;
using PostFleet.Testing;
using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>The Register stream and the GenProof state machine against a fake node, with a real post-service process.</summary>
public sealed partial class ProvingTests
{
    private static readonly byte[] ChallengeA = [.. Enumerable.Repeat((byte)0xAA, 32)];
    private static readonly byte[] ChallengeB = [.. Enumerable.Repeat((byte)0xBB, 32)];

    [Fact]
    public async Task Proves_a_challenge_and_status_walks_idle_proving_done_idle()
    {
        using var host = new SimHostFolder(k2powSecondsPerUnitPerNonceGroup: 0.3);
        var dir = Path.Combine(host.Disk("diskA", readBytesPerSecond: 32 * 1024), "post1");
        var meta = SimHostFolder.WriteData(dir, numUnits: 4);
        await using var node = await FakeNode.StartAsync();
        var operatorPort = FreePorts.Next();
        await using var service = PostServiceProcess.Start(host,
            $"--address={node.Address}", $"--operator-address=127.0.0.1:{operatorPort}", "--dir", dir, "--threads", "1", "--nonces", "16", "--labels-per-unit", "1024");

        var metadata = await node.Metadata.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(meta.NodeId, metadata.NodeId.ToByteArray());
        Assert.Equal(meta.CommitmentAtxId, metadata.CommitmentAtxId.ToByteArray());
        Assert.Equal(4u, metadata.NumUnits);
        Assert.Equal(1024ul, metadata.LabelsPerUnit);
        Assert.Equal(3ul, metadata.Nonce);
        Assert.Equal("\"Idle\"", await PostServiceProcess.StatusAsync(operatorPort));

        // Watch /status closely in the background while the node polls every ~100 ms.
        var seen = new ConcurrentQueue<string>();
        using var stopWatching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stopWatching.IsCancellationRequested)
            {
                var body = await PostServiceProcess.StatusAsync(operatorPort);
                if (!seen.TryPeek(out _) || seen.Last() != body)
                {
                    seen.Enqueue(body);
                }

                await Task.Delay(15);
            }
        });

        await Eventually.UntilAsync((Func<bool>)(() => !seen.IsEmpty), "the first /status");
        var first = await node.GenProofAsync(ChallengeA);
        Assert.Equal(GenProofStatus.Ok, first.GenProof.Status);
        Assert.Null(first.GenProof.Proof);
        Assert.Null(first.GenProof.Metadata);

        var different = await node.GenProofAsync(ChallengeB);
        Assert.Equal(GenProofStatus.Error, different.GenProof.Status);

        // Leave time for the watcher to see DoneProving before the node fetches the proof.
        await Eventually.UntilAsync((Func<bool>)(() => seen.Contains("\"DoneProving\"")), "DoneProving on /status", TimeSpan.FromSeconds(60));
        // Ask until the proof comes; any answer other than Ok (with or without the proof) ends the wait and fails.
        var proof = await Eventually.UntilAsync<GenProofResponse>(async () =>
        {
            var reply = await node.GenProofAsync(ChallengeA);
            return reply.GenProof.Status != GenProofStatus.Ok || reply.GenProof.Proof is not null ? reply.GenProof : null;
        }, "a proof", TimeSpan.FromSeconds(30));
        Assert.Equal(GenProofStatus.Ok, proof.Status);
        Assert.Equal(ChallengeA, proof.Metadata.Challenge.ToByteArray());
        Assert.Equal(meta.NodeId, proof.Metadata.Meta.NodeId.ToByteArray());
        Assert.True(proof.Proof.Nonce < 16);
        var bits = ProofIndices.BitsFor(4 * 1024);
        Assert.Equal(13, bits);
        Assert.Equal(((37 * bits) + 7) / 8, proof.Proof.Indices.Length);
        Assert.All(ProofIndices.Unpack(proof.Proof.Indices.ToByteArray(), bits, 37), index => Assert.True(index < 4096));

        await PostServiceProcess.UntilAsync((async () => await PostServiceProcess.StatusAsync(operatorPort) == "\"Idle\""), "Idle after the hand-over");
        await stopWatching.CancelAsync();
        await watcher;

        var states = seen.Select(Classify).Distinct().ToList();
        Assert.Equal(["Idle", "Proving-k2pow", "Proving-reading", "DoneProving"], states.Take(4));
        Assert.All(seen.Where(s => s.StartsWith("{\"Proving\"", StringComparison.Ordinal)), s => Assert.Matches(ProvingBody(), s));
        Assert.Contains("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":0}}", seen);

        // A proof is handed over once: the next request starts from scratch.
        var again = await node.GenProofAsync(ChallengeA);
        Assert.Equal(GenProofStatus.Ok, again.GenProof.Status);
        Assert.Null(again.GenProof.Proof);

        var events = host.Record().Where(e => e.GetProperty("pid").GetInt32() == service.Id).Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Equal(["started", "connected", "randomx-setup-start", "randomx-setup-end", "k2pow-start", "k2pow-end", "read-start", "read-end", "proof-found", "proof-handed-over"], events.Take(10));
        Assert.Contains("--labels-per-unit is deprecated", service.StandardError, StringComparison.Ordinal);
        Assert.Matches(LogLine(), service.StandardError.Split('\n')[0]);

        // Only post-rs' own lines: the registration shows as the node's metadata request, never as a connect line;
        // the proof as the client's and the service's lines, in post-rs' order.
        var log = service.StandardError.Replace("\r", "", StringComparison.Ordinal);
        Assert.DoesNotContain("connected to the node", log, StringComparison.Ordinal);
        Assert.Contains($"INFO  post_service::client] obtained metadata: PostMetadata {{ node_id: [{string.Join(", ", meta.NodeId)}], commitment_atx_id: [{string.Join(", ", meta.CommitmentAtxId)}], labels_per_unit: 1024, num_units: 4, max_file_size: ", log, StringComparison.Ordinal);
        Assert.Contains("ERROR post_service::client] failed to generate proof: proof generation is in progress for a different challenge (current: " + Convert.ToHexString(ChallengeA), log, StringComparison.Ordinal);
        var handOver = log.Split('\n').Select(l => l.Length > 22 ? l[22..] : l).SkipWhile(l => !l.EndsWith("proof generation is finished", StringComparison.Ordinal)).Take(4).ToList();
        Assert.Equal(["INFO  post_service::service] proof generation is finished", "INFO  post_service::client] proof generation finished", "INFO  post_service::client] verifying proof"], handOver.Take(3));
        Assert.StartsWith("INFO  post_service::client] proof is valid (verification took: ", handOver[3], StringComparison.Ordinal);
        Assert.All(log.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(LogLine(), l));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, await PostServiceProcess.StatusCodeAsync(HttpMethod.Get, operatorPort, "/other"));
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, await PostServiceProcess.StatusCodeAsync(HttpMethod.Post, operatorPort, "/status"));
    }

    [Fact]
    public async Task Missing_data_file_fails_the_proof_and_the_failure_is_sticky()
    {
        using var host = new SimHostFolder();
        var dir = Path.Combine(host.Disk("diskA", readBytesPerSecond: 1 << 20), "post1");
        SimHostFolder.WriteData(dir, numUnits: 4, maxFileSize: 16 * 1024);
        File.Delete(Path.Combine(dir, DataLayout.FileName(2)));
        await using var node = await FakeNode.StartAsync();
        var operatorPort = FreePorts.Next();
        await using var service = PostServiceProcess.Start(host, "-a", node.Address, "--operator-address", $"127.0.0.1:{operatorPort}", "-d", dir, "--nonces", "16");

        var first = await node.GenProofAsync(ChallengeA);
        Assert.Equal(GenProofStatus.Ok, first.GenProof.Status);
        await PostServiceProcess.UntilAsync((async () => (await node.GenProofAsync(ChallengeA)).GenProof.Status == GenProofStatus.Error), "the proof to fail");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(GenProofStatus.Error, (await node.GenProofAsync(ChallengeB)).GenProof.Status);
            Assert.Equal("\"DoneProving\"", await PostServiceProcess.StatusAsync(operatorPort));
        }

        var failed = host.Record().Single(e => e.GetProperty("event").GetString() == "proof-failed");
        Assert.Contains("postdata_2.bin", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static string Classify(string body) => body switch
    {
        "\"Idle\"" => "Idle",
        "\"DoneProving\"" => "DoneProving",
        _ when body.EndsWith("\"position\":0}}", StringComparison.Ordinal) => "Proving-k2pow",
        _ => "Proving-reading",
    };

    [GeneratedRegex("""^\{"Proving":\{"nonces":\{"start":\d+,"end":\d+\},"position":\d+\}\}$""")]
    private static partial Regex ProvingBody();

    [GeneratedRegex(@"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO |WARN |ERROR) [a-z_:]+\] ")]
    private static partial Regex LogLine();

    internal static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
