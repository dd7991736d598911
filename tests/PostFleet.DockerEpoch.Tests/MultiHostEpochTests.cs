using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using PostFleet.DockerEpoch.Tests.Support;
using PostFleet.Runtime.Docker;
using PostFleet.Simulator.Fleet;
using PostFleet.Testing;
using PostFleet.Tls.Tests.Support;

namespace PostFleet.DockerEpoch.Tests;

/// <summary>
/// Three roles on two hosts, as a farm deploys them: host A (network namespace A) runs the simulated node and
/// `postfleet run`; host B (network namespace B, joined to A by a veth pair) runs a second Docker engine reached over
/// TCP with mutual TLS, whose host-network containers are the post-services. Every address is used from its own
/// side: the daemon dials the node on A's loopback, the services dial it at A's address, the services bind on B and
/// the daemon reads their /status at B's address. A decoy listens on A at every operator port: reading there (the
/// old behaviour with a loopback operator) would hit it.
/// </summary>
[Collection(DockerEpochCollection.Name)]
public sealed class MultiHostEpochTests(SimImageFixture docker)
{
    [Fact]
    public async Task An_epoch_is_proved_on_a_remote_engine_with_every_status_read_across_hosts_and_none_from_the_wrong_one()
    {
        docker.EnsureAvailable();
        using var hosts = new TwoHostNetwork();
        await using var engine = await SecondDockerEngine.StartAsync(hosts.B, hosts.AddressB);
        engine.LoadImage(SimImageFixture.Image);
        await docker.BuildProbeImageAsync();
        engine.LoadImage(SimImageFixture.ProbeImage);
        await using var fleet = new TwoHostFleet(hosts, engine, docker.FleetPrefix + "-hosts");
        using var decoys = Decoys.Listen(hosts.A, fleet.OperatorPorts.Values);

        var validate = await fleet.RunToEndAsync(["validate", "-c", fleet.Config], "validate.log");
        Assert.True(validate.Exit == 0, $"postfleet validate refused the two-host config:\n{validate.Output}");
        await fleet.InitAsync();
        await fleet.StartNodeAsync();

        // doctor on A checks B's side through a probe container on B's engine: A's node address dialled from B, every
        // operator address bound on B and read from A where the daemon will read it (a read on A would hit a decoy).
        var probe = await fleet.DoctorProbeFindingsAsync();
        Assert.All(probe, f => Assert.True((string)f["severity"]! == "ok", f.ToJsonString()));
        Assert.Contains(probe, f => ((string)f["message"]!).StartsWith($"the services' node address {hosts.AddressA}:{fleet.PostPort} (docker.endpoints[0].node-address) is reached from there", StringComparison.Ordinal));
        Assert.Contains(probe, f => ((string)f["message"]!).StartsWith($"4 operator address(es) bound there and read from here as the daemon reads them: 0.0.0.0:{fleet.OperatorPorts["a1"]} at {hosts.AddressB}:{fleet.OperatorPorts["a1"]}", StringComparison.Ordinal));
        using (var probeEngine = engine.LocalClient())
        {
            var left = await probeEngine.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters { All = true });
            Assert.DoesNotContain(left, c => c.Labels.ContainsKey("io.postfleet.probe"));
        }

        var run = fleet.StartRun();

        // What the daemon read: a service's nonces only ever come from its /status answering Proving.
        using var api = TwoHostNetwork.HttpClientIn(hosts.A);
        var readProving = new ConcurrentDictionary<string, bool>();
        using var watching = new CancellationTokenSource();
        var watcher = WatchAsync(api, fleet.ApiUrl, readProving, watching.Token);

        await fleet.WaitForEpochProofsAsync(TimeSpan.FromSeconds(240), run);
        await Eventually.UntilAsync(
            () => fleet.OperatorPorts.Keys.All(readProving.ContainsKey),
            () => $"the daemon to have read a Proving /status of every service (read: {string.Join(", ", readProving.Keys)}); daemon output:\n{run.StandardOutput}\n{run.StandardError}",
            TimeSpan.FromSeconds(30));
        await watching.CancelAsync();
        await watcher;
        Assert.False(run.HasExited, $"postfleet run exited:\n{run.StandardOutput}\n{run.StandardError}");

        // Nothing was read on host A: no connection ever reached a decoy at an operator port.
        Assert.Empty(decoys.Hits);

        // The services ran on host B's engine (never on the machine's shared one) and dialled the node at A's address.
        using var engineB = engine.LocalClient();
        var onB = await engineB.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters { All = true });
        var ours = onB.Where(c => c.Labels.TryGetValue(FleetLabels.Fleet, out var id) && id == fleet.FleetId).ToList();
        Assert.NotEmpty(ours);
        Assert.Empty(await docker.ContainersAsync(fleet.FleetId));
        var logs = Directory.GetFiles(Path.Combine(fleet.StateDir, "logs"), "*.log").Select(File.ReadAllText).ToList();
        Assert.Contains(logs, l => l.Contains("obtained metadata: PostMetadata", StringComparison.Ordinal));
        foreach (var container in ours)
        {
            var inspect = await engineB.Containers.InspectContainerAsync(container.ID);
            Assert.Contains($"http://{hosts.AddressA}:{fleet.PostPort}", inspect.Config.Cmd);
            Assert.Equal("host", inspect.HostConfig.NetworkMode);
        }
    }

    private static async Task WatchAsync(HttpClient api, string url, ConcurrentDictionary<string, bool> readProving, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var services = JsonNode.Parse(await api.GetStringAsync($"{url}/api/v1/services", cancellationToken))!.AsArray();
                foreach (var service in services.OfType<JsonObject>().Where(s => s["nonceEnd"] is not null))
                {
                    readProving[(string)service["name"]!] = true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException)
            {
                // Not up yet, or no pass yet (503).
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Listeners on host A at the services' operator ports (all of A's addresses, loopback included), counting every connection.</summary>
    private sealed class Decoys : IDisposable
    {
        private readonly List<Socket> _listeners = [];
        private readonly CancellationTokenSource _stop = new();

        public ConcurrentQueue<string> Hits { get; } = new();

        public static Decoys Listen(string ns, IEnumerable<int> ports)
        {
            var decoys = new Decoys();
            foreach (var port in ports)
            {
                var listener = TwoHostNetwork.Inside(ns, () =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    socket.Bind(new IPEndPoint(IPAddress.Any, port));
                    socket.Listen();
                    return socket;
                });
                decoys._listeners.Add(listener);
                _ = decoys.AcceptAsync(listener, port);
            }

            return decoys;
        }

        public void Dispose()
        {
            _stop.Cancel();
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync(Socket listener, int port)
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var connection = await listener.AcceptAsync(_stop.Token);
                    Hits.Enqueue($"port {port} from {connection.RemoteEndPoint}");
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The fleet's files: node config, PoST data made by `postfleet init`, and a postfleet.yaml for the two hosts.</summary>
    private sealed class TwoHostFleet : IAsyncDisposable
    {
        private static readonly (string Disk, string Name)[] Identities = [("d1", "a1"), ("d1", "a2"), ("d2", "b1"), ("d2", "b2")];

        private readonly TwoHostNetwork _hosts;
        private readonly TempDirectory _folder = new("pf-two-hosts");
        private readonly List<ChildProcess> _processes = [];

        public TwoHostFleet(TwoHostNetwork hosts, SecondDockerEngine engine, string fleetId)
        {
            _hosts = hosts;
            FleetId = fleetId;
            // Free in both namespaces: they are new, and the ports are the machine's claimed test ports.
            OperatorPorts = Identities.ToDictionary(i => i.Name, _ => FreePorts.Next());
            Directory.CreateDirectory(_folder.Combine("node"));
            Directory.CreateDirectory(_folder.Combine("node_data"));
            Directory.CreateDirectory(StateDir);
            File.WriteAllText(_folder.Combine("node", "config.json"), SimulatedNetwork.Guide.NodeConfigJson());
            foreach (var disk in Identities.Select(i => i.Disk).Distinct())
            {
                Directory.CreateDirectory(_folder.Combine("disks", disk));
            }

            Directory.CreateDirectory(_folder.Combine("bin"));
            foreach (var program in new[] { "post-service", "postcli" })
            {
                var path = _folder.Combine("bin", program);
                File.WriteAllText(path, $"#!/bin/sh\nexec '{RepoPaths.PostfleetExecutable}' sim {program} \"$@\"\n");
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            File.WriteAllText(Config, Yaml(engine));
        }

        public string FleetId { get; }

        public IReadOnlyDictionary<string, int> OperatorPorts { get; }

        public int PostPort { get; } = FreePorts.Next();

        public int PublicPort { get; } = FreePorts.Next();

        public int PrivatePort { get; } = FreePorts.Next();

        public int ApiPort { get; } = FreePorts.Next();

        public string ApiUrl => $"http://127.0.0.1:{ApiPort}";

        public string Config => _folder.Combine("postfleet.yaml");

        public string StateDir => _folder.Combine("state");

        public async Task<(int Exit, string Output)> RunToEndAsync(IReadOnlyList<string> arguments, string log)
        {
            await using var process = ChildProcess.StartPostfleet(arguments, _folder.Path, _folder.Combine(log));
            var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return (exit, process.StandardOutput + process.StandardError);
        }

        public async Task InitAsync()
        {
            var init = await RunToEndAsync(["init", "-c", Config, "--commitment-atx", SimFleet.Commitment], "init.log");
            Assert.True(init.Exit == 0, $"postfleet init failed ({init.Exit}):\n{init.Output}");
        }

        /// <summary>The node on host A: its post listener on all of A's addresses (the daemon uses loopback, the services A's veth address).</summary>
        public async Task StartNodeAsync()
        {
            var genesisText = SimFleet.GenesisNow();
            var node = StartOnA(
            [
                "sim", "node", "-c", _folder.Combine("node", "config.json"), "--preset", "standalone", "-d", _folder.Combine("node_data"),
                "--genesis-time", genesisText,
                "--grpc-public-listener", $"127.0.0.1:{PublicPort}", "--grpc-private-listener", $"127.0.0.1:{PrivatePort}",
                "--grpc-post-listener", $"0.0.0.0:{PostPort}",
                "--time-scale", "100",
            ], "node.log");
            await node.WaitForOutputAsync("\tnode\tstarted", TimeSpan.FromSeconds(30));
        }

        /// <summary>`postfleet doctor --json` on host A; its probe findings.</summary>
        public async Task<IReadOnlyList<JsonObject>> DoctorProbeFindingsAsync()
        {
            var doctor = StartOnA(["doctor", "-c", Config, "--json"], "doctor.log");
            await doctor.WaitForExitAsync(TimeSpan.FromSeconds(120));
            var findings = JsonNode.Parse(doctor.StandardOutput)!["findings"]!.AsArray().OfType<JsonObject>().Where(f => (string?)f["check"] == "probe").ToList();
            Assert.True(findings.Count > 0, $"doctor printed no probe finding:\n{doctor.StandardOutput}\n{doctor.StandardError}");
            return findings;
        }

        public ChildProcess StartRun() => StartOnA(["run", "-c", Config, "--listen", $"127.0.0.1:{ApiPort}"], "run.log");

        public async Task WaitForEpochProofsAsync(TimeSpan timeout, ChildProcess run)
        {
            try
            {
                await Eventually.UntilAsync(
                    () => Identities.All(i => NodeEvents().Any(e => (string?)e["event"] == "proof-delivered" && (string?)e["identity"] == i.Name && (string?)e["kind"] == "nipost")),
                    "a delivered NiPoST proof from each identity",
                    timeout);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}; daemon output:\n{Tail(run.StandardOutput + run.StandardError)}", ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var process in Enumerable.Reverse(_processes))
            {
                await process.StopAsync(TimeSpan.FromSeconds(30));
                await process.DisposeAsync();
            }

            _folder.Dispose();
        }

        private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(40));

        private ChildProcess StartOnA(IReadOnlyList<string> arguments, string log)
        {
            var process = ChildProcess.Start(TwoHostNetwork.Enter(_hosts.A)[0], [.. TwoHostNetwork.Enter(_hosts.A).Skip(1), RepoPaths.PostfleetExecutable, .. arguments], _folder.Path, _folder.Combine(log));
            _processes.Add(process);
            return process;
        }

        private IReadOnlyList<JsonObject> NodeEvents() => SimFleet.ReadNodeRecord(_folder.Combine("node_data", "sim-record.jsonl"));

        /// <summary>
        /// Host B's engine is the only endpoint. Disk d1's services bind every address of B (read at the engine's
        /// tcp:// host), disk d2's bind B's address itself (read there); both dial the node at A's address.
        /// </summary>
        private string Yaml(SecondDockerEngine engine)
        {
            var client = engine.Certificates.Clients["postfleet"];
            var yaml = new StringBuilder(SimulatedNetwork.Guide.NodeAndPostYaml($"http://127.0.0.1:{PostPort}", PublicPort, PrivatePort, 100));
            yaml.AppendLine("runtime: docker");
            yaml.AppendLine($"fleet-id: {FleetId}");
            yaml.AppendLine("docker:");
            yaml.AppendLine($"  image: {SimImageFixture.Image}");
            yaml.AppendLine("  network: host");
            yaml.AppendLine($"  probe-image: {SimImageFixture.ProbeImage}");
            yaml.AppendLine("  endpoints:");
            yaml.AppendLine("    - name: host-b");
            yaml.AppendLine($"      address: '{engine.TcpAddress}'");
            yaml.AppendLine($"      tls: {{ ca-cert: {engine.Certificates.CaCert}, cert: {client.Cert}, key: {client.Key} }}");
            yaml.AppendLine($"      node-address: 'http://{_hosts.AddressA}:{PostPort}'");
            yaml.AppendLine("state-dir: state");
            yaml.AppendLine("schedule: { per-disk: 1, max-pow: 2, stop-grace: 5s, on-shutdown: stop-all }");
            yaml.AppendLine("disks:");
            foreach (var disk in Identities.GroupBy(i => i.Disk))
            {
                var bind = disk.Key == "d1" ? "0.0.0.0" : _hosts.AddressB.ToString();
                yaml.AppendLine($"  - name: {disk.Key}");
                yaml.AppendLine("    services:");
                foreach (var (_, name) in disk)
                {
                    yaml.AppendLine($"      - {{ name: {name}, dir: disks/{disk.Key}/{name}, num-units: 2, operator: '{bind}:{OperatorPorts[name]}' }}");
                }
            }

            return yaml.ToString();
        }
    }
}
