using System.Globalization;
using PostFleet.Simulator.Common;

namespace PostFleet.Bench.Soak;

/// <summary>
/// The soak's faults, one per call, in a seeded order: each block of <see cref="Kinds"/>.Length epochs has every kind
/// once, so 30 epochs see each at least three times. All durations are wall time unless they name network time.
/// </summary>
internal sealed class SoakInjector(SoakRun soak, Random random)
{
    public static readonly string[] Kinds =
    [
        "kill-service-k2pow", "kill-service-read", "hang-status", "node-restart-sync", "node-clock-jump", "history-full", "daemon-kill", "config-broken",
    ];

    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(5);
    private readonly Queue<string> _next = new();
    private readonly List<SoakFault> _faults = [];

    public IReadOnlyList<SoakFault> Faults => _faults;

    public async Task<SoakFault> InjectAsync(long epoch, CancellationToken cancellationToken)
    {
        if (_next.Count == 0)
        {
            foreach (var kind in Kinds.OrderBy(_ => random.Next()))
            {
                _next.Enqueue(kind);
            }
        }

        var fault = await InjectAsync(_next.Dequeue(), DateTimeOffset.UtcNow, cancellationToken);
        _faults.Add(fault);
        return fault;
    }

    private async Task<SoakFault> InjectAsync(string kind, DateTimeOffset start, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case "kill-service-k2pow":
            case "kill-service-read":
                var phase = kind == "kill-service-k2pow" ? "k2pow-start" : "read-start";
                var victim = await SoakRun.WaitForAsync(() => Task.FromResult(soak.ServiceLines().LastOrDefault(l => l.Event == phase && l.Time >= start.AddSeconds(-1) && SoakRun.Alive(l.Pid))), TimeSpan.FromSeconds(8), cancellationToken);
                if (victim is null)
                {
                    return new SoakFault(kind, "-", start, DateTimeOffset.UtcNow, "nothing in that phase");
                }

                SoakRun.Signal(victim.Pid, 9);
                var killed = DateTimeOffset.UtcNow;
                return new SoakFault(kind, victim.Service!, killed, killed, $"pid {victim.Pid}");
            case "hang-status":
                var live = soak.ServiceLines().LastOrDefault(l => l.Event == "started" && SoakRun.Alive(l.Pid));
                if (live is null)
                {
                    return new SoakFault(kind, "-", start, DateTimeOffset.UtcNow, "nothing running");
                }

                var hang = SimFaults.HangStatusFile(soak.HostDir, live.Pid);
                Directory.CreateDirectory(Path.GetDirectoryName(hang)!);
                await File.WriteAllTextAsync(hang, "", cancellationToken);
                await Task.Delay(Hold, cancellationToken);
                File.Delete(hang);
                return new SoakFault(kind, live.Service!, start, DateTimeOffset.UtcNow, $"pid {live.Pid}, {Hold.TotalSeconds:0}s");
            case "node-restart-sync":
                // 1 to 10 minutes of network time: from a few seconds of the gap to past the proof deadline.
                var sync = TimeSpan.FromSeconds(random.Next(60, 601));
                var syncText = ((int)sync.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
                var stopped = soak.NodeLines().Count;
                await soak.RestartNodeAsync(syncText, cancellationToken);
                var synced = await SoakRun.WaitForAsync(() => soak.NodeLines().Skip(stopped).FirstOrDefault(l => l.Event == "synced"), cancellationToken);
                return new SoakFault(kind, "node", start, synced!.Time, $"sync {syncText} of network time");
            case "node-clock-jump":
                // 1 to 6 minutes of network time, ahead or behind, for a while; then back (an NTP step and its correction).
                var minutes = random.Next(1, 7) * (random.Next(2) == 0 ? -1 : 1);
                var offsetFile = SimFaults.ClockOffsetFile(soak.NodeDataDir);
                await File.WriteAllTextAsync(offsetFile, $"{minutes}m", cancellationToken);
                await Task.Delay(Hold, cancellationToken);
                File.Delete(offsetFile);
                var wall = TimeSpan.FromMinutes(minutes) / soak.Scale;
                return new SoakFault(kind, "node", start, DateTimeOffset.UtcNow, $"{wall.TotalSeconds.ToString("+0.0;-0.0", CultureInfo.InvariantCulture)}s ({minutes}m of network time) for {Hold.TotalSeconds:0}s");
            case "history-full":
                await soak.History.FillAsync(cancellationToken);
                await Task.Delay(Hold, cancellationToken);
                soak.History.Free();
                return new SoakFault(kind, "history", start, DateTimeOffset.UtcNow, $"{Hold.TotalSeconds:0}s");
            case "daemon-kill":
                var back = await soak.KillDaemonAsync(cancellationToken);
                return new SoakFault(kind, "daemon", start, back, "SIGKILL, restarted");
            case "config-broken":
                var good = await File.ReadAllTextAsync(soak.Config, cancellationToken);
                await File.WriteAllTextAsync(soak.Config, good.Replace("schedule:", "schedule: [", StringComparison.Ordinal), cancellationToken);
                await Task.Delay(Hold, cancellationToken);
                await File.WriteAllTextAsync(soak.Config, good, cancellationToken);
                return new SoakFault(kind, "config", start, DateTimeOffset.UtcNow, $"unclosed '[' for {Hold.TotalSeconds:0}s");
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a soak fault");
        }
    }
}
