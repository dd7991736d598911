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
/// <see cref="SimulatedFleet"/>) under the real `postfleet run`, with one seeded random fault per publish epoch (every
/// kind once in each block of <see cref="SoakInjector.Kinds"/>, in a seeded order): post-service SIGKILL in k2pow or
/// in the read, a hung operator `/status`, a node restart with a syncing window (IDLE, `is_synced` false), a jump of
/// the node's clock, a full history disk, daemon SIGKILL and restart (it must adopt its services), and a broken
/// config that is fixed again. At the end every missed proof is classified by <see cref="MissJudge"/> as unavoidable
/// (naming its rule) or a defect. Not part of CI: it takes minutes, and its figures are timing goals, which live in
/// bench/.
/// </summary>
public sealed class SoakRun(string root, double scale, int seed, string postfleetExecutable) : IAsyncDisposable
{
    internal static readonly string[] Services = ["a1", "a2", "b1", "b2"];

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private readonly Random _random = new(seed);
    private readonly string _exe = postfleetExecutable;
    private readonly DateTimeOffset _genesis = DateTimeOffset.UtcNow;
    private readonly int _apiPort = FreePort();
    private SimulatedFleet? _layout;
    private HistoryDisk? _history;
    private SoakInjector? _injector;
    private Process? _node;
    private Process? _daemon;

    private string P(params string[] parts) => Path.Combine([root, .. parts]);

    // Where SimulatedFleet puts them; named here too so that a kept folder can be judged again without a layout.
    private string NodeRecord => P("node", "sim-record.jsonl");

    private string ServiceRecord => P("disks", ".postfleet-sim", "record.jsonl");

    internal static string DiskOf(string service) => service.StartsWith('a') ? "diskA" : "diskB";

    public async Task<int> RunAsync(int epochs, CancellationToken cancellationToken)
    {
        Console.WriteLine($"postfleet bench soak --epochs {epochs} --time-scale {scale.ToString(CultureInfo.InvariantCulture)} --seed {seed}");
        Console.WriteLine($"soak: {Services.Length} identities on 2 disks, time x{scale.ToString(CultureInfo.InvariantCulture)}, {epochs} epochs, seed {seed}, folder {root}");
        Layout();
        _history = await HistoryDisk.MountAsync(P("history"), 16, cancellationToken);
        await File.AppendAllTextAsync(_layout!.FleetConfig, $"history:\n  path: {_history.Folder}/history.db\n", cancellationToken);
        var init = Start(_exe, [.. "init -c".Split(' '), _layout.FleetConfig, "--commitment-atx", new string('1', 64), "--max-parallel", "2"], P("init.log"));
        await init.WaitForExitAsync(cancellationToken);
        if (init.ExitCode != 0)
        {
            Console.Error.WriteLine("init failed; see " + P("init.log"));
            return 1;
        }

        _node = StartNode(null);
        _daemon = StartDaemon();
        _injector = new SoakInjector(this, _random);
        var first = await WaitForAsync(() => NodeLines().Where(l => l.Event == "proof-requested" && l.PublishEpoch is not null).Select(l => l.PublishEpoch).FirstOrDefault(), cancellationToken);
        // The first epoch after start-up is not counted: the initial PoSTs queue on the disks and may skip it.
        first += 1;
        var last = first!.Value + epochs - 1;
        Console.WriteLine($"counting from publish epoch {first}; one fault per epoch up to epoch {last}");

        for (var epoch = first.Value; epoch <= last; epoch++)
        {
            // The next epoch with a proof request (a fault may make every identity skip one).
            var e = epoch;
            var requested = await WaitForAsync(() => NodeLines().FirstOrDefault(l => l.Event == "proof-requested" && l.PublishEpoch >= e), cancellationToken);
            epoch = requested!.PublishEpoch!.Value;
            // A random moment in the first half of the proving window.
            var window = requested.Deadline!.Value - requested.Time;
            await Task.Delay(window * (_random.NextDouble() * 0.5), cancellationToken);
            var fault = await _injector.InjectAsync(epoch, cancellationToken);
            Console.WriteLine($"{fault.Start:HH:mm:ss} epoch {epoch} fault {fault.Kind,-18} {fault.Target,-8} {fault.Detail}");
        }

        // Let the last epoch's deadline pass (and a skipped epoch after it show), then judge.
        var lastDeadline = await WaitForAsync(() => NodeLines().Where(l => l.Event == "proof-requested" && l.PublishEpoch >= last).Select(l => l.Deadline).FirstOrDefault(), cancellationToken);
        var wait = lastDeadline!.Value - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }

        return await ReportAsync(first.Value, last, cancellationToken);
    }

    private async Task<int> ReportAsync(long first, long last, CancellationToken cancellationToken)
    {
        var faults = _injector!.Faults;
        await File.WriteAllLinesAsync(P("faults.jsonl"), faults.Select(f => JsonSerializer.Serialize(f)), cancellationToken);
        await File.WriteAllTextAsync(P("soak.json"), JsonSerializer.Serialize(new SoakSettings(seed, scale, first, last)), cancellationToken);
        return await ReportAsync(first, last, faults, cancellationToken);
    }

    /// <summary>`postfleet bench soak --judge FOLDER`: the report of a kept soak folder again (after a change of the rules).</summary>
    public static async Task<int> JudgeAsync(string folder, CancellationToken cancellationToken)
    {
        var settings = JsonSerializer.Deserialize<SoakSettings>(await File.ReadAllTextAsync(Path.Combine(folder, "soak.json"), cancellationToken))!;
        var faults = (await File.ReadAllLinesAsync(Path.Combine(folder, "faults.jsonl"), cancellationToken)).Select(l => JsonSerializer.Deserialize<SoakFault>(l)!).ToList();
        await using var run = new SoakRun(folder, settings.Scale, settings.Seed, "postfleet");
        return await run.ReportAsync(settings.First, settings.Last, faults, cancellationToken);
    }

    private async Task<int> ReportAsync(long first, long last, IReadOnlyList<SoakFault> faults, CancellationToken cancellationToken)
    {
        var node = NodeLines();
        // The guide network's epoch (15 m), phase shift (10 m) and grace period (1 m), at this time scale; post-service
        // dials again every 5 s (not scaled); the schedule's first restart backoff is 1 s.
        var network = new SoakNetwork(Services.ToDictionary(s => s, DiskOf), TimeSpan.FromMinutes(15) / scale, TimeSpan.FromMinutes(10) / scale, TimeSpan.FromMinutes(1) / scale, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        var judge = new MissJudge(network, node, ServiceLines(), faults) { Launches = DaemonLaunches.Read(P("daemon.log")) };
        var misses = judge.Judge(first, last);
        var delivered = Enumerable.Range((int)first, (int)(last - first + 1)).Sum(e => Services.Count(s => judge.Delivery(s, e) is not null));
        var defects = misses.Where(m => !m.Unavoidable).ToList();

        Console.WriteLine();
        Console.WriteLine($"epochs: {last - first + 1} (publish epochs {first}-{last}), seed {seed}, time x{scale.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"faults injected: {faults.Count(f => !f.Missed)} ({string.Join(", ", faults.GroupBy(f => f.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count(f => !f.Missed)}{(g.Any(f => f.Missed) ? $" (+{g.Count(f => f.Missed)} found nothing to hit)" : "")}"))})");
        Console.WriteLine($"typical turns (median, epochs without a fault): {string.Join(", ", Services.Select(s => $"{s} {judge.Turn(s).TotalSeconds:0.0}s"))}");
        Console.WriteLine($"proofs delivered: {delivered} of {(last - first + 1) * Services.Length}");
        Console.WriteLine($"proofs missed: {misses.Count} ({misses.Count - defects.Count} unavoidable, {defects.Count} defects)");
        foreach (var group in misses.Where(m => m.Unavoidable).GroupBy(m => m.Rule).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  unavoidable by {group.Key}: {group.Count()}");
        }

        misses.ToList().ForEach(Console.WriteLine);
        foreach (var defect in defects)
        {
            await DescribeAsync(defect, judge, cancellationToken);
        }

        return defects.Count == 0 ? 0 : 1;
    }

    /// <summary>What happened around a defect: the node's and the services' records of its disk, the daemon's decisions.</summary>
    private async Task DescribeAsync(SoakMiss miss, MissJudge judge, CancellationToken cancellationToken)
    {
        var epoch = judge.Requests(miss.Service, miss.Epoch).Count > 0 ? miss.Epoch : miss.Epoch - 1;
        Console.WriteLine($"--- epoch {epoch} ({miss.Service}):");
        var request = judge.Requests(miss.Service, epoch).FirstOrDefault();
        if (request is null)
        {
            return;
        }

        var (from, until) = (request.Time.AddSeconds(-2), request.Deadline!.Value.AddSeconds(1));
        var mates = Services.Where(s => DiskOf(s) == DiskOf(miss.Service)).ToHashSet();
        Console.WriteLine($"    on {DiskOf(miss.Service)}, times from PROVING at {request.Time:HH:mm:ss.fff}:");
        foreach (var line in NodeLines().Where(l => l.Time >= from && l.Time <= until && (l.Identity is null || mates.Contains(l.Identity)))
            .Concat(ServiceLines().Where(l => l.Time >= from && l.Time <= until && l.Service is { } s && mates.Contains(s))).OrderBy(l => l.Time))
        {
            Console.WriteLine($"  {(line.Time - request.Time).TotalSeconds,6:+0.00;-0.00} {(line.Pid == 0 ? "node" : "svc " + line.Pid),-10} {line.Service,-3} {line.Event} {line.Reason}");
        }

        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_apiPort}"), Timeout = TimeSpan.FromSeconds(10) };
            foreach (var service in mates.Order(StringComparer.Ordinal))
            {
                using var history = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/history?service={service}&limit=1000", cancellationToken));
                foreach (var entry in history.RootElement.EnumerateArray().Reverse())
                {
                    var at = entry.GetProperty("at").GetDateTimeOffset();
                    if (at >= from && at <= until)
                    {
                        Console.WriteLine($"  {(at - request.Time).TotalSeconds,6:+0.00;-0.00} daemon     {service,-3} {entry.GetProperty("kind").GetString()} {entry.GetProperty("what").GetString()}: {entry.GetProperty("detail").GetString()}");
                    }
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            Console.WriteLine($"  (the daemon's history could not be read: {e.Message})");
        }
    }

    internal IReadOnlyList<SoakLine> NodeLines() => SoakLine.Read(NodeRecord);

    internal IReadOnlyList<SoakLine> ServiceLines() => SoakLine.Read(ServiceRecord);

    internal string Config => _layout!.FleetConfig;

    internal double Scale => scale;

    internal string NodeDataDir => _layout!.NodeDataDir;

    internal string HostDir => _layout!.DisksDir;

    internal HistoryDisk History => _history!;

    internal string DataDir(string service) => _layout!.DataDir(service);

    /// <summary>SIGTERM to the node, then a start with a sync of <paramref name="syncTime"/> (network time, a Go duration).</summary>
    internal async Task RestartNodeAsync(string syncTime, CancellationToken cancellationToken)
    {
        _ = Kill(_node!.Id, 15);
        await _node.WaitForExitAsync(cancellationToken);
        _node.Dispose();
        _node = StartNode(syncTime);
    }

    /// <summary>SIGKILL to the daemon, a start of a new one, and the time its API answers again.</summary>
    internal async Task<DateTimeOffset> KillDaemonAsync(CancellationToken cancellationToken)
    {
        _ = Kill(_daemon!.Id, 9);
        await _daemon.WaitForExitAsync(cancellationToken);
        _daemon.Dispose();
        _daemon = StartDaemon();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_apiPort}"), Timeout = TimeSpan.FromSeconds(5) };
        return await WaitForAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync("/api/v1/fleet", cancellationToken);
                return response.IsSuccessStatusCode ? DateTimeOffset.UtcNow : (DateTimeOffset?)null;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return null;
            }
        }, TimeSpan.FromMinutes(2), cancellationToken) ?? DateTimeOffset.UtcNow;
    }

    internal static async Task<T?> WaitForAsync<T>(Func<T?> probe, CancellationToken cancellationToken) =>
        await WaitForAsync(() => Task.FromResult(probe()), TimeSpan.FromMinutes(3), cancellationToken) ?? throw new TimeoutException("the soak's simulated fleet stopped making progress");

    internal static async Task<T?> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, CancellationToken cancellationToken)
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

    internal static bool Alive(int pid)
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

    internal static void Signal(int pid, int signal) => _ = Kill(pid, signal);

    private Process StartNode(string? syncTime) =>
        Start(_exe, [.. _layout!.NodeArguments(_genesis), .. syncTime is null ? Array.Empty<string>() : ["--sync-time", syncTime]], P("node", "node.log"));

    private Process StartDaemon() =>
        Start("nsenter", _history!.Enter(_exe, ["run", "-c", Config, "--listen", $"127.0.0.1:{_apiPort}"]).Skip(1).ToList(), P("daemon.log"));

    private Process Start(string program, IReadOnlyList<string> arguments, string log) => LoggedProcess.Start(program, arguments, log, root);

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
        if (_layout is not null)
        {
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

        _history?.Dispose();
    }
}

/// <summary>What a kept soak folder needs to be judged again.</summary>
internal sealed record SoakSettings(int Seed, double Scale, long First, long Last);
