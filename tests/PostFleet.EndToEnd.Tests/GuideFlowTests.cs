using System.Globalization;
using System.Text.Json;
using PostFleet.Simulator.Fleet;
using PostFleet.Testing;

namespace PostFleet.EndToEnd.Tests;

/// <summary>
/// The official guide's manual flow with the simulators only, no orchestrator: postcli for the ten identities of the
/// demo's init DAG, keys copied into identities/, the node restarted without local.key, ten post-services started
/// by hand with the proving DAG's flags and left running. Every identity must turn PROVING in the cycle gap, deliver,
/// and go IDLE, two epochs in a row; a service killed mid-read and restarted delivers on the same challenge, and a
/// second service for the same identity is refused while the first keeps working.
/// </summary>
public sealed class GuideFlowTests
{
    private const double TimeScale = 30;

    // Names and unit counts of the demo's init.yaml.
    private static readonly (string Name, int Units)[] Identities =
    [
        ("diskE_post1", 12), ("diskD_post1", 17), ("diskC_post3", 13), ("diskC_post2", 11), ("diskC_post1", 12),
        ("diskB_post3", 7), ("diskB_post2", 10), ("diskB_post1", 31), ("diskA_post2", 27), ("diskA_post1", 4),
    ];

    [Fact]
    public async Task Ten_identities_prove_two_epochs_in_a_row_with_hand_started_services()
    {
        using var dir = new TempDirectory("pf-guide");
        var post = dir.Combine("post");
        Directory.CreateDirectory(post);
        // One folder holds all ten data dirs, as in the guide; make it fast so ten readers fit the cycle gap.
        File.WriteAllText(Path.Combine(post, "postfleet-sim-disk.json"), """{ "readBytesPerSecond": 8388608, "writeBytesPerSecond": 8388608 }""");
        File.WriteAllText(Path.Combine(dir.Path, "postfleet-sim-host.json"), """{ "cores": 16, "k2powSecondsPerUnitPerNonceGroup": 0.01, "passSuccessProbability": 1 }""");
        var config = dir.Combine("config.json");
        File.WriteAllText(config, SimulatedNetwork.Guide.NodeConfigJson());
        var nodeData = dir.Combine("node_data");
        var record = Path.Combine(nodeData, "sim-record.jsonl");
        var (publicPort, postPort, jsonPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        string[] nodeArgs =
        [
            "sim", "node", "-c", config, "--preset=standalone", "-d", nodeData, "--time-scale", TimeScale.ToString(CultureInfo.InvariantCulture),
            "--grpc-public-listener", $"127.0.0.1:{publicPort}", "--grpc-private-listener", $"127.0.0.1:{FreePorts.Next()}",
            "--grpc-post-listener", $"127.0.0.1:{postPort}", "--grpc-json-listener", $"127.0.0.1:{jsonPort}",
        ];

        // Guide: start the node (it creates local.key), get the commitment ATX the way get_commitment_atx.sh does.
        var node = ChildProcess.StartPostfleet(nodeArgs);
        var atx = await HighestAtxHexAsync(jsonPort);
        foreach (var (name, units) in Identities)
        {
            await using var postcli = ChildProcess.StartPostfleet(["sim", "postcli", "-provider=0", "-labelsPerUnit=1024", "-scryptN=16", $"-numUnits={units}", $"-datadir={Path.Combine(post, name)}", "--yes", $"--commitmentAtxId={atx}"]);
            Assert.Equal(0, await postcli.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            File.Copy(Path.Combine(post, name, "identity.key"), Path.Combine(nodeData, "identities", name + ".key"));
        }

        // Guide: stop the node, remove local.key, start it again.
        node.Signal(Posix.SigTerm);
        await node.WaitForExitAsync();
        await node.DisposeAsync();
        File.Delete(Path.Combine(nodeData, "identities", "local.key"));
        node = ChildProcess.StartPostfleet(nodeArgs);
        var services = new Dictionary<string, ChildProcess>();
        try
        {
            foreach (var (name, _) in Identities)
            {
                services[name] = StartService(name, post, postPort);
            }

            // Two publish epochs in which every identity delivered its NiPoST.
            var first = await Eventually.UntilAsync(() => Task.FromResult(CompleteEpochs(record).FirstOrDefault() is var e and > 0 ? (long?)e : null), "a first complete epoch", TimeSpan.FromMinutes(4));

            // During the next epoch: a duplicate service for one identity is refused; another is killed mid-read and restarted.
            var duplicate = StartService("diskE_post1", post, postPort);
            await Eventually.UntilAsync(() => Lines(record).Any(l => l.Event == "service-rejected" && l.Text("identity") == "diskE_post1"), "the duplicate diskE_post1 to be rejected", TimeSpan.FromMinutes(2));
            var hostRecord = Path.Combine(dir.Path, ".postfleet-sim", "record.jsonl");
            var victim = services["diskB_post1"];
            await Eventually.UntilAsync(() => RecordLine.Read(hostRecord).Any(l => l.Event == "read-start" && l.Number("pid") == victim.Id && l.Text("challenge") is { } c && c != new string('0', 64)), "diskB_post1 reading for a NiPoST", TimeSpan.FromMinutes(2));
            victim.Signal(Posix.SigKill);
            await victim.WaitForExitAsync();
            services["diskB_post1"] = StartService("diskB_post1", post, postPort);

            var second = await Eventually.UntilAsync(() => Task.FromResult(CompleteEpochs(record).FirstOrDefault(e => e > first) is var e and > 0 ? (long?)e : null), "a second complete epoch", TimeSpan.FromMinutes(4));
            Assert.Equal(first + 1, second);
            await duplicate.DisposeAsync();

            var lines = Lines(record);
            var requested = lines.Single(l => l.Event == "proof-requested" && l.Text("identity") == "diskB_post1" && l.Number("publishEpoch") == second);
            var delivered = lines.Single(l => l.Event == "proof-delivered" && l.Text("identity") == "diskB_post1" && l.Number("publishEpoch") == second);
            Assert.Equal(requested.Text("challenge"), delivered.Text("challenge"));
            Assert.DoesNotContain(lines, l => l.Event == "proof-failed");

            // Every identity went PROVING in each cycle gap and IDLE after delivering.
            foreach (var (name, _) in Identities)
            {
                foreach (var epoch in new[] { first, second })
                {
                    var done = lines.Single(l => l.Event == "proof-delivered" && l.Text("identity") == name && l.Number("publishEpoch") == epoch);
                    Assert.Contains(lines, l => l.Event == "state" && l.Text("identity") == name && l.Text("to") == "PROVING" && l.Time <= done.Time);
                    await Eventually.UntilAsync(() => Lines(record).Any(l => l.Event == "state" && l.Text("identity") == name && l.Text("to") == "IDLE" && l.Time >= done.Time), $"{name} IDLE after epoch {epoch}");
                }
            }
        }
        finally
        {
            foreach (var service in services.Values)
            {
                await service.DisposeAsync();
            }

            await node.DisposeAsync();
        }
    }

    private static ChildProcess StartService(string name, string post, int postPort) =>
        ChildProcess.StartPostfleet(
        [
            "sim", "post-service", $"--address=http://localhost:{postPort}", $"--operator-address=127.0.0.1:{FreePorts.Next()}",
            "--dir", Path.Combine(post, name), "--threads", "1", "--nonces", "16",
            "--k1", "12", "--k2", "20", "--pow-difficulty", new string('f', 64), "-n", "16", "--min-num-units", "1", "--max-num-units", "32", "--randomx-mode", "light",
        ]);

    private static IReadOnlyList<RecordLine> Lines(string path) => File.Exists(path) ? RecordLine.Read(path) : [];

    private static IEnumerable<long> CompleteEpochs(string record) =>
        Lines(record).Where(l => l.Event == "proof-delivered" && l.Text("kind") == "nipost")
            .GroupBy(l => l.Number("publishEpoch")!.Value)
            .Where(g => g.Select(l => l.Text("identity")).Distinct().Count() == Identities.Length)
            .Select(g => g.Key)
            .Order();

    /// <summary>`grpcurl ... ActivationService.Highest | jq -r .atx.id.id | base64 -d | xxd -p`, through the JSON gateway.</summary>
    private static async Task<string> HighestAtxHexAsync(int jsonPort)
    {
        using var http = new HttpClient();
        return await Eventually.UntilAsync(async () =>
        {
            using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{jsonPort}/spacemesh.v1.ActivationService/Highest"), new StringContent("{}"));
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return Convert.ToHexStringLower(Convert.FromBase64String(json.RootElement.GetProperty("atx").GetProperty("id").GetProperty("id").GetString()!));
        }, "the node's highest ATX");
    }
}
