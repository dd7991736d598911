using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using PostFleet.Simulator.Common;
using PostFleet.Simulator.Fleet;

namespace PostFleet.Bench.Soak;

/// <summary>
/// `postfleet bench soak --epochs 30`: a simulated 1:N fleet (4 identities on 2 disks, time compressed, laid out by
/// <see cref="SimulatedFleet"/>) under the real `postfleet run`, with one random fault injected per publish epoch
/// (service SIGKILL in k2pow or read, service frozen, node restart, node frozen, daemon SIGKILL + restart, daemon
/// SIGTERM + restart, invalid config edit, short PoST data, garbage metadata). At the end it prints faults injected,
/// proofs delivered, proofs missed, and for each miss whether any orchestrator could have saved it. Not part of CI:
/// it takes minutes, and its figures are timing goals, which live in bench/.
/// </summary>
public sealed class SoakRun(string root, double scale, int seed, string postfleetExecutable) : IAsyncDisposable
{
    private static readonly string[] Services = ["a1", "a2", "b1", "b2"];

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private readonly Random _random = new(seed);
    private readonly List<SoakFault> _faults = [];
    private readonly string _exe = postfleetExecutable;
    private SimulatedFleet? _layout;
    private readonly DateTimeOffset _genesis = DateTimeOffset.UtcNow;
    private Process? _node;
    private Process? _daemon;

    private string P(params string[] parts) => Path.Combine([root, .. parts]);

    private string NodeRecord => P("node", "sim-record.jsonl");

    private string ServiceRecord => P("disks", ".postfleet-sim", "record.jsonl");

    private string Config => P("postfleet.yaml");

    private static string DiskOf(string service) => service.StartsWith('a') ? "diskA" : "diskB";

    private string DataDir(string service) => P("disks", DiskOf(service), service);

    public async Task<int> RunAsync(int epochs, CancellationToken cancellationToken)
    {
        Console.WriteLine($"soak: {Services.Length} identities on 2 disks, time x{scale}, {epochs} epochs, seed {seed}, folder {root}");
        Layout();
        var init = Start([.. "init -c".Split(' '), Config, "--commitment-atx", new string('1', 64), "--max-parallel", "2"], P("init.log"));
        await init.WaitForExitAsync(cancellationToken);
        if (init.ExitCode != 0)
        {
            Console.Error.WriteLine("init failed; see " + P("init.log"));
            return 1;
        }

        _node = StartNode();
        _daemon = StartDaemon();
        var first = await WaitForAsync(() => NodeLines().Where(l => l.Event == "proof-requested" && l.PublishEpoch is not null).Select(l => l.PublishEpoch).FirstOrDefault(), cancellationToken);
        // The first epoch after start-up is not counted: the initial PoSTs queue on the disks and may skip it.
        first += 1;
        var last = first!.Value + epochs - 1;
        Console.WriteLine($"counting from publish epoch {first}; one fault per epoch up to epoch {last}");

        for (var epoch = (int)first.Value; epoch <= last; epoch++)
        {
            // The next epoch with a proof request (a fault may make every identity skip one).
            var e = epoch;
            var requested = await WaitForAsync(() => NodeLines().FirstOrDefault(l => l.Event == "proof-requested" && l.PublishEpoch >= e), cancellationToken);
            epoch = (int)requested!.PublishEpoch!.Value;
            // A random moment in the first half of the proving window.
            var window = requested!.Deadline!.Value - requested.Time;
            await Task.Delay(window * (_random.NextDouble() * 0.5), cancellationToken);
            await InjectAsync(cancellationToken);
        }

        // Let the last epoch's deadline pass, then judge.
        var lastDeadline = await WaitForAsync(() => NodeLines().Where(l => l.Event == "proof-requested" && l.PublishEpoch >= last).Select(l => l.Deadline).FirstOrDefault(), cancellationToken);
        var wait = lastDeadline!.Value - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }

        return Report(first.Value, last);
    }

    private async Task InjectAsync(CancellationToken cancellationToken)
    {
        string[] kinds = ["kill-service-k2pow", "kill-service-read", "freeze-service", "node-restart", "node-freeze", "daemon-kill", "daemon-term", "config-invalid", "short-bin", "bad-metadata"];
        var kind = kinds[_random.Next(kinds.Length)];
        var service = Services[_random.Next(Services.Length)];
        var start = DateTimeOffset.UtcNow;
        var target = "node";
        switch (kind)
        {
            case "kill-service-k2pow":
            case "kill-service-read":
                var phase = kind.EndsWith("k2pow", StringComparison.Ordinal) ? "k2pow-start" : "read-start";
                var victim = await WaitForAsync(() => Task.FromResult(ServiceLines().LastOrDefault(l => l.Event == phase && l.Time >= start.AddSeconds(-1) && Alive(l.Pid))), TimeSpan.FromSeconds(8), cancellationToken);
                if (victim is null)
                {
                    kind += " (nothing in that phase)";
                    break;
                }

                target = Path.GetFileName(victim.Dir!);
                _ = Kill(victim.Pid, 9);
                break;
            case "freeze-service":
                var frozen = ServiceLines().LastOrDefault(l => l.Event == "started" && Alive(l.Pid));
                if (frozen is null)
                {
                    kind += " (none running)";
                    break;
                }

                target = Path.GetFileName(frozen.Dir!);
                _ = Kill(frozen.Pid, 19);
                await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken);
                _ = Kill(frozen.Pid, 18);
                break;
            case "node-restart":
                _ = Kill(_node!.Id, 15);
                await _node.WaitForExitAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                _node = StartNode();
                break;
            case "node-freeze":
                _ = Kill(_node!.Id, 19);
                await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken);
                _ = Kill(_node.Id, 18);
                break;
            case "daemon-kill":
            case "daemon-term":
                target = "daemon";
                _ = Kill(_daemon!.Id, kind == "daemon-kill" ? 9 : 15);
                await _daemon.WaitForExitAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                _daemon = StartDaemon();
                break;
            case "config-invalid":
                target = "config";
                var good = await File.ReadAllTextAsync(Config, cancellationToken);
                await File.WriteAllTextAsync(Config, good.Replace("per-disk: 1", "per-disk: nope", StringComparison.Ordinal), cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken);
                await File.WriteAllTextAsync(Config, good, cancellationToken);
                break;
            case "short-bin":
            case "bad-metadata":
                target = service;
                var file = Path.Combine(DataDir(service), kind == "short-bin" ? "postdata_0.bin" : "postdata_metadata.json");
                var bytes = await File.ReadAllBytesAsync(file, cancellationToken);
                await File.WriteAllBytesAsync(file, kind == "short-bin" ? bytes[..(bytes.Length / 4)] : "{ garbage"u8.ToArray(), cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken);
                await File.WriteAllBytesAsync(file, bytes, cancellationToken);
                break;
        }

        var fault = new SoakFault(kind, target, start, DateTimeOffset.UtcNow);
        _faults.Add(fault);
        Console.WriteLine($"{start:HH:mm:ss} fault {kind,-22} {target}");
    }

    private int Report(long first, long last)
    {
        var node = NodeLines();
        var delivered = 0;
        var missed = new List<string>();
        var unsavable = 0;
        foreach (var epoch in Enumerable.Range((int)first, (int)(last - first + 1)))
        {
            foreach (var service in Services)
            {
                var request = node.FirstOrDefault(l => l.Event == "proof-requested" && l.PublishEpoch == epoch && l.Identity == service);
                if (request is null)
                {
                    // The node skipped the epoch: the previous proof came after the PoET registration window.
                    // The registration closes CG − GP after PROVING starts; a fault in there, or less time than
                    // the disk's proofs need, and no orchestrator could have made it.
                    var previous = node.FirstOrDefault(l => l.Event == "proof-requested" && l.PublishEpoch == epoch - 1 && l.Identity == service);
                    var registration = TimeSpan.FromMinutes(6) / scale;
                    var needed = FastestProof(service, node) * Services.Count(x => DiskOf(x) == DiskOf(service));
                    var blocked = previous is not null && Blocking(service, previous with { Deadline = previous.Time + registration }).Count > 0;
                    var tooShort = needed > registration;
                    var lost = blocked || tooShort;
                    unsavable += lost ? 1 : 0;
                    missed.Add($"  epoch {epoch} {service}: {(lost ? "not savable" : "SAVABLE")} — no proof request: the epoch-{epoch - 1} proof was late for the PoET registration ({registration.TotalSeconds:0.0}s after PROVING; ~{needed.TotalSeconds:0.0}s of proving on its disk){(blocked ? "; " + Describe(Blocking(service, previous! with { Deadline = previous.Time + registration })) : "")}");
                    continue;
                }

                if (node.Any(l => l.Event == "proof-delivered" && l.PublishEpoch == epoch && l.Identity == service))
                {
                    delivered++;
                    continue;
                }

                var (savable, why) = Judge(service, request, node);
                unsavable += savable ? 0 : 1;
                missed.Add($"  epoch {epoch} {service}: {(savable ? "SAVABLE" : "not savable")} — {why}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"faults injected: {_faults.Count} ({string.Join(", ", _faults.GroupBy(f => f.Kind.Split(' ')[0]).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))})");
        Console.WriteLine($"proofs delivered: {delivered}");
        Console.WriteLine($"proofs missed: {missed.Count} ({unsavable} that no orchestrator could have saved, {missed.Count - unsavable} savable)");
        missed.ForEach(Console.WriteLine);
        return missed.Count - unsavable == 0 ? 0 : 1;
    }

    /// <summary>
    /// Could any orchestrator have delivered this proof? Not when the identity's data was broken during the
    /// window, nor when the time left after the node came back (or the data was repaired) is shorter than
    /// this identity's fastest proof in the whole run (start to delivery) times the services waiting on its disk.
    /// </summary>
    private (bool Savable, string Why) Judge(string service, SoakLine request, IReadOnlyList<SoakLine> node)
    {
        var deadline = request.Deadline!.Value;
        var failure = node.LastOrDefault(l => l.Event == "proof-failed" && l.Identity == service && l.Time >= request.Time && l.Time <= deadline.AddSeconds(1));
        var blocking = Blocking(service, request);
        var fastest = FastestProof(service, node);
        var freeFrom = blocking.Count == 0 ? request.Time : blocking.Max(f => f.End);
        // post-service retries its node connection every 5 s (not scaled): a node restart costs that too.
        if (blocking.Any(f => f.Kind == "node-restart"))
        {
            freeFrom += TimeSpan.FromSeconds(5);
        }

        var diskMates = Services.Count(s => DiskOf(s) == DiskOf(service));
        var needed = fastest * diskMates;
        var left = deadline - freeFrom;
        var faults = blocking.Count == 0 ? "no blocking fault" : Describe(blocking);
        var why = $"{(failure?.Reason ?? "no delivery")}; {faults}; {left.TotalSeconds:0.0}s left for ~{needed.TotalSeconds:0.0}s of proving on its disk";
        return (left >= needed, why);
    }

    /// <summary>Faults no orchestrator can work around during a proof window: node away, this identity's data broken.</summary>
    private List<SoakFault> Blocking(string service, SoakLine request) =>
        _faults.Where(f => f.Start < request.Deadline!.Value && f.End > request.Time
            && (f.Kind.StartsWith("node", StringComparison.Ordinal) || (f.Target == service && f.Kind is "short-bin" or "bad-metadata"))).ToList();

    private static string Describe(IEnumerable<SoakFault> faults) => string.Join(", ", faults.Select(f => $"{f.Kind} {f.Target} {f.Start:HH:mm:ss}-{f.End:HH:mm:ss}"));

    private TimeSpan FastestProof(string service, IReadOnlyList<SoakLine> node)
    {
        var durations = node.Where(l => l.Event == "proof-delivered" && l.Identity == service && l.Kind == "nipost")
            .Select(d => d.Time - node.Last(l => l.Event == "proof-requested" && l.Identity == service && l.Time <= d.Time).Time)
            .ToList();
        return durations.Count == 0 ? TimeSpan.FromSeconds(3) : durations.Min();
    }

    private IReadOnlyList<SoakLine> NodeLines() => Read(NodeRecord);

    private IReadOnlyList<SoakLine> ServiceLines() => Read(ServiceRecord);

    private static IReadOnlyList<SoakLine> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(SoakLine.Parse).OfType<SoakLine>().ToList();
    }

    private static async Task<T?> WaitForAsync<T>(Func<T?> probe, CancellationToken cancellationToken) =>
        await WaitForAsync(() => Task.FromResult(probe()), TimeSpan.FromMinutes(3), cancellationToken) ?? throw new TimeoutException("the soak's simulated fleet stopped making progress");

    private static async Task<T?> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await probe() is { } value && !Equals(value, default(T)))
            {
                return value;
            }

            await Task.Delay(100, cancellationToken);
        }

        return default;
    }

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private Process StartNode() => Start(_layout!.NodeArguments(_genesis), P("node", "node.log"));

    private Process StartDaemon() => Start(["run", "-c", Config], P("daemon.log"));

    private Process Start(IReadOnlyList<string> arguments, string log) => LoggedProcess.Start(_exe, arguments, log, root);

    private void Layout() => _layout = SimulatedFleet.Create(new SimulatedFleetOptions(
        root,
        _exe,
        [.. Services.GroupBy(DiskOf).Select(d => new SimulatedDisk(d.Key, [.. d.Select(s => new SimulatedService(s))]) { ReadBytesPerSecond = 131072 })])
    {
        TimeScale = scale,
        Host = new HostProfile(2, 0.1, 0.9, null),
        Schedule =
        [
            "per-disk: 1", "max-pow: 2", "stop-grace: 2s", "idle-stop-grace: 1s", "startup-grace: 2s", "resync: 1s",
            "no-progress-timeout: 20s", "restart-backoff: { initial: 1s, max: 4s }", "on-shutdown: leave-running",
        ],
        FreePort = FreePort,
    });

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { _daemon, _node }.OfType<Process>())
        {
            if (!process.HasExited)
            {
                _ = Kill(process.Id, 15);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            process.Dispose();
        }

        // The services this soak started (leave-running keeps them): by pid from the record, only ours.
        foreach (var pid in ServiceLines().Where(l => l.Event == "started").Select(l => l.Pid).Distinct())
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/cmdline").Contains(root, StringComparison.Ordinal))
                {
                    _ = Kill(pid, 9);
                }
            }
            catch (IOException)
            {
            }
        }
    }
}

internal sealed record SoakFault(string Kind, string Target, DateTimeOffset Start, DateTimeOffset End);

internal sealed record SoakLine(string Event, DateTimeOffset Time, int Pid, string? Identity, string? Dir, string? Kind, long? PublishEpoch, DateTimeOffset? Deadline, string? Reason)
{
    public static SoakLine? Parse(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var r = doc.RootElement;
            string? S(string n) => r.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long? L(string n) => r.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
            return new SoakLine(S("event") ?? "", DateTimeOffset.Parse(S("time")!, CultureInfo.InvariantCulture), (int)(L("pid") ?? 0), S("identity"), S("dir"), S("kind"), L("publishEpoch"),
                S("deadline") is { } d ? DateTimeOffset.Parse(d, CultureInfo.InvariantCulture) : null, S("reason"));
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
