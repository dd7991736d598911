using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// One pass's view of the window: every proof still to do with its <see cref="ProofOutlook"/> from
/// <see cref="ProvingOrder.Admit"/>, and who of each outlook is still waiting to start (starts in this pass count
/// as started), so that a proof that cannot make the gap, or the deadline, goes after those that can.
/// </summary>
internal sealed class WindowOutlook
{
    private readonly Dictionary<string, ProofOutlook> _outlook;
    private readonly HashSet<string> _waiting;
    private readonly Dictionary<string, (double K2Pow, double Read)> _durations;
    private readonly int[] _waitingByOutlook = new int[3];

    private readonly Dictionary<string, ProvingWindow> _windows;

    private WindowOutlook(ProvingWindow? window, Dictionary<string, ProofOutlook> outlook, HashSet<string> waiting, Dictionary<string, (double, double)> durations, Dictionary<string, ProvingWindow> windows)
    {
        Window = window;
        _windows = windows;
        _outlook = outlook;
        _waiting = waiting;
        _durations = durations;
        foreach (var name in waiting)
        {
            _waitingByOutlook[(int)Of(name)]++;
        }
    }

    public ProvingWindow? Window { get; }

    public ProofOutlook Of(string service) => _outlook.GetValueOrDefault(service, ProofOutlook.InGap);

    /// <summary>The window of this service's own node (several nodes: each has its own gap and deadline).</summary>
    public ProvingWindow? WindowOf(string service) => _windows.TryGetValue(service, out var own) ? own : Window;

    /// <summary>
    /// Seconds until the limit this service's outlook is judged against (its gap's close while it can make the gap,
    /// else its deadline): across nodes, the proof due sooner goes first. Equal for every service of one node.
    /// </summary>
    public double DueInSeconds(string service) => WindowOf(service) is not { } w ? 0
        : Of(service) == ProofOutlook.InGap ? w.GapSecondsLeft : w.DeadlineSecondsLeft ?? w.GapSecondsLeft;

    /// <summary>Seconds of one k2pow plus one full read (learned, else assumed), for the reasons shown.</summary>
    public double ProvingSeconds(string service) => _durations.TryGetValue(service, out var d) ? d.K2Pow + d.Read : 0;

    /// <summary>Services with a better outlook than <paramref name="outlook"/> still waiting to start.</summary>
    public int WaitingBetterThan(ProofOutlook outlook)
    {
        var n = 0;
        for (var i = 0; i < (int)outlook; i++)
        {
            n += _waitingByOutlook[i];
        }

        return n;
    }

    public void Started(string service)
    {
        if (_waiting.Remove(service))
        {
            _waitingByOutlook[(int)Of(service)]--;
        }
    }

    public static WindowOutlook Of(FleetSpec spec, FleetSnapshot snapshot, IReadOnlyDictionary<string, ServiceMemory> memory, ProvingEstimates estimates, DateTimeOffset now)
    {
        var window = ProvingOrder.WindowAt(snapshot.Window, now);
        var windows = new Dictionary<string, ProvingWindow>(StringComparer.Ordinal);
        var waiting = new HashSet<string>(StringComparer.Ordinal);
        // Sized for the fleet when the first proof comes (between gaps there is none).
        Dictionary<string, (double, double)>? durations = null;
        List<ProofWork>? work = null;

        // As FinishEstimates.Durations assumes, computed once: k2pow work is linear in units.
        var assumedK2PowPerUnit = spec.Services.FirstOrDefault(s => s.NumUnits > 0) is { } any
            ? ProvingForecast.K2PowHashes(any, spec.Post) / any.NumUnits / HardwareAssumptions.Default.K2PowHashRate
            : 0;
        foreach (var service in spec.Services)
        {
            if (memory[service.Name].Delivered || snapshot.NodeStateOf(service.Name) != NodePostState.Proving || snapshot.Intents.WillNotProve(service.Name))
            {
                continue;
            }

            // k2pow on a pool runs at its workers' rate (K2PowSlots), as the forecast assumes.
            var k2pow = estimates.StartAndK2PowOf(service)?.TotalSeconds ?? (spec.K2Pow is null
                ? service.NumUnits * assumedK2PowPerUnit
                : ProvingForecast.K2PowHashes(service, spec.Post) / K2PowSlots.HashRateOf(service, spec, HardwareAssumptions.Default));
            var read = ServicePhases.DataBytes(service, spec.Post) / (estimates.ReadRateOf(service.Disk) ?? HardwareAssumptions.Default.DiskBytesPerSecond(service.Disk));
            (durations ??= new(spec.Services.Length, StringComparer.Ordinal))[service.Name] = (k2pow, read);
            work ??= new List<ProofWork>(spec.Services.Length);
            var own = snapshot.NodeSides.IsEmpty ? null : ProvingOrder.WindowAt(snapshot.For(service.Name).Window, now);
            if (own is { } ownWindow)
            {
                windows[service.Name] = ownWindow;
            }

            if (snapshot.LiveRun(service.Name) is not { } run)
            {
                waiting.Add(service.Name);
                work.Add(new ProofWork(service, k2pow, read) { Window = own });
                continue;
            }

            var left = snapshot.StatusOf(service.Name) switch
            {
                ServiceStatus.Proving { InK2Pow: false } p => (0, read * (1 - Math.Min(1, p.Position / (double)Math.Max(1UL, ServicePhases.DataBytes(service, spec.Post))))),
                ServiceStatus.Proving => (Math.Max(0, k2pow - (now - run.StartedAt).TotalSeconds), read),
                _ => (k2pow, read),
            };
            work.Add(new ProofWork(service, k2pow, read, true, left.Item1, left.Item2) { Window = own });
        }

        // Without a window nothing is judged: every proof counts as in the gap and the order is the schedule's own.
        var outlook = window is { } w ? ProvingOrder.Admit(work ?? (IReadOnlyList<ProofWork>)[], spec.Schedule.MaxPow, w, spec.Schedule.Mode == ScheduleMode.Pipelined, FinishChance.Draws(spec.Post.Nonces)) : new Dictionary<string, ProofOutlook>(StringComparer.Ordinal);
        return new WindowOutlook(window, outlook, waiting, durations ?? new(StringComparer.Ordinal), windows);
    }
}
