using System.Collections.Immutable;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// The decision core of the reconcile loop. Pure: no I/O, no clock, no logging; the same inputs always give the
/// same plan, so every rule is tested as a table and every safety rule as a property.
/// </summary>
public static class Planner
{
    public static Plan Decide(FleetSpec desired, FleetSnapshot observed, PlannerMemory memory, DateTimeOffset now) =>
        Decide(desired, observed, memory, now, alwaysOrder: false);

    /// <param name="alwaysOrder">Order the waiting services even when no start can happen (see <see cref="StartQueue"/>): the tests' reference.</param>
    internal static Plan Decide(FleetSpec desired, FleetSnapshot observed, PlannerMemory memory, DateTimeOffset now, bool alwaysOrder)
    {
        var actions = new List<PlannedAction>();
        var decisions = new Dictionary<string, Decision>(desired.Services.Length, StringComparer.Ordinal);
        var next = new Dictionary<string, ServiceMemory>(desired.Services.Length, StringComparer.Ordinal);
        var byName = desired.ServicesByName;

        // 1. Fold what was observed into memory; exited runs are forgotten once their exit is accounted for.
        var readersByDisk = Observations.ReadersByDisk(desired, observed);
        var last = new ServiceMemory?[desired.Services.Length];
        for (var i = 0; i < desired.Services.Length; i++)
        {
            var service = desired.Services[i];
            last[i] = memory.Services.GetValueOrDefault(service.Name);
            var (m, exited) = Observations.Fold(service, observed.For(service.Name), last[i] ?? ServiceMemory.Initial, desired.Schedule, desired.Post, now, readersByDisk.GetValueOrDefault(service.Disk));
            next[service.Name] = m;
            if (exited is not null)
            {
                actions.Add(new PlannedAction.ForgetRun(exited));
            }
        }

        ForgetRunsNotInConfig(byName, observed, actions, decisions);

        // 2. Stops first, from what runs now: a stop frees nothing in this pass (the run counts until it exits).
        var restart = NodeRestarts.Fold(desired, observed, memory, next, now);
        foreach (var service in desired.Services)
        {
            if (observed.LiveRun(service.Name) is { } run)
            {
                var (action, decision, m) = StopRules.ForLiveRun(new LiveRunContext(service, run, observed.For(service.Name), next[service.Name], desired.Schedule, now) { Restart = restart });
                next[service.Name] = m;
                decisions[service.Name] = decision;
                if (action is not null)
                {
                    actions.Add(action);
                }
            }
        }

        YieldToReentries(desired, observed, memory, next, decisions, actions, now);

        var kept = decisions.Values.Count(d => d.Code == DecisionCode.NodeRestarting);
        restart = restart is null || kept == 0 ? null : restart with { Kept = kept };

        // 3. Starts, in preference order, each taking its slots before the next one is considered.
        var context = new StartContext(desired, observed, next, Occupancy.Measure(desired, observed, next, now), now)
        {
            Prior = memory.Prior,
            ByName = byName,
        };
        foreach (var service in StartQueue(desired, observed, context, alwaysOrder))
        {
            if (StartConstraints.FirstBlocker(service, context) is { } blocker)
            {
                decisions[service.Name] = new Decision(service.Name, blocker.Code, blocker.Reason);
                continue;
            }

            context.Occupancy.AddStart(service);
            var outlook = observed.For(service.Name).Window is null ? ProofOutlook.InGap : context.Outlook.Of(service.Name);
            if (observed.For(service.Name).Window is not null)
            {
                context.Outlook.Started(service.Name);
            }

            actions.Add(new PlannedAction.StartService(service.Name));
            decisions[service.Name] = new Decision(service.Name, DecisionCode.Start, StartReason(next[service.Name], outlook));
        }

        var ordered = desired.Services.Select(s => decisions[s.Name]).Concat(decisions.Values.Where(d => !byName.ContainsKey(d.ServiceName)));
        return new Plan(
            [.. actions],
            [.. ordered],
            new PlannerMemory(Remembered(desired, memory.Services, last, next)) { Prior = memory.Prior, NodeRestart = restart, NodeAway = !observed.NodeReachable },
            Requeue.After(desired, observed, next, actions, context.Wakes, now))
        {
            Estimates = context.EstimatesIfBuilt,
        };
    }

    /// <summary>
    /// The services without a live run, in the order a start is considered: the window's order over the mode's, in
    /// one sort (<see cref="ByOutlook"/>). While a cap every waiting service counts against is full (<see
    /// cref="NoStartCanHappen"/>) nothing can start in this pass whatever the order: each service gets its first
    /// blocker, that cap at the latest, and no blocker depends on the order while nothing starts (no start takes a
    /// slot). Then the services are taken as the disks list them and the sort is skipped. At 1,000 identities with
    /// max-running full (`postfleet bench daemon --mode exclusive`'s open gap) the order was half of the planner's
    /// samples; skipping it took the decide stage from 3.3 to 2.5-3.0 ms, not to half: the window's outlook and the
    /// pass's estimates, which the rules and the listeners read, are still built.
    /// </summary>
    private static IEnumerable<ServiceSpec> StartQueue(FleetSpec desired, FleetSnapshot observed, StartContext context, bool alwaysOrder)
    {
        if (!alwaysOrder && NoStartCanHappen(desired, context.Occupancy))
        {
            // The loop's listeners take the pass's estimates from the plan (Plan.Estimates); the order built them
            // before, so without them each listener would combine its own (the view every pass, the learned ones
            // whenever they change): built once here instead.
            _ = context.Estimates;
            return WithDiskIndex(desired, observed).Select(w => w.Service);
        }

        var byOutlook = context.Snapshot.Window is not null;
        return desired.Schedule.Mode == ScheduleMode.Pipelined ? PipelinedStartOrder(desired, observed, context, byOutlook) : StartOrder(desired, observed, context, byOutlook);
    }

    /// <summary>
    /// Every running slot is taken (max-running), or every k2pow slot is while all k2pow runs on this machine
    /// (max-pow; with a k2pow pool a service may count against a cap of its own, so the order is kept). In a
    /// demo-sized open gap (16 k2pow slots for 200 disks) the k2pow slots are full between most starts: the running
    /// cap alone let the sort run in most passes, where it was two fifths of the planner's samples.
    /// </summary>
    private static bool NoStartCanHappen(FleetSpec desired, Occupancy occupancy)
    {
        var schedule = desired.Schedule;
        return (schedule.MaxRunning > 0 && occupancy.Running.Count >= schedule.MaxRunning)
            || (desired.K2Pow is null && schedule.MaxPow > 0 && occupancy.InK2Pow.Count >= schedule.MaxPow);
    }

    /// <summary>
    /// The next memory as a map: the last one with the services whose memory changed (a new record) set, and those no
    /// longer in the config dropped. A pass changes few services' memory, and building the map of every service anew
    /// was a tenth of a pass at 1,000 identities. <paramref name="last"/> is the last memory of each service in config
    /// order (null: none).
    /// </summary>
    private static ImmutableDictionary<string, ServiceMemory> Remembered(FleetSpec desired, ImmutableDictionary<string, ServiceMemory> before, ServiceMemory?[] last, Dictionary<string, ServiceMemory> next)
    {
        if (before.KeyComparer != StringComparer.Ordinal || before.ValueComparer != EqualityComparer<ServiceMemory>.Default || next.Count != desired.Services.Length)
        {
            return next.ToImmutableDictionary(StringComparer.Ordinal);
        }

        var map = before.ToBuilder();
        for (var i = 0; i < last.Length; i++)
        {
            var name = desired.Services[i].Name;
            var m = next[name];
            if (!ReferenceEquals(m, last[i]))
            {
                // Removed first: setting a record equal by value to the old one would keep the old one.
                map.Remove(name);
                map.Add(name, m);
            }
        }

        if (map.Count != next.Count)
        {
            foreach (var name in before.Keys.Where(n => !next.ContainsKey(n)))
            {
                map.Remove(name);
            }
        }

        return map.ToImmutable();
    }

    /// <summary>
    /// Pipelined mode: a first-pass successor whose disk's reader just re-entered k2pow after a failed pass gives the
    /// disk back, when reading beside that reread would lose more than its start-up and k2pow (<see cref="ReentryYield"/>).
    /// Only runs the stop rules kept (no other stop asked) and only while the node answers.
    /// </summary>
    private static void YieldToReentries(FleetSpec desired, FleetSnapshot observed, PlannerMemory memory, Dictionary<string, ServiceMemory> next, Dictionary<string, Decision> decisions, List<PlannedAction> actions, DateTimeOffset now)
    {
        if (!observed.NodeReachable || memory.NodeRestart is not null)
        {
            return;
        }

        foreach (var y in ReentryYield.Find(desired, observed, next, () => ProvingEstimates.Combine(desired, next, memory.Prior)))
        {
            var name = y.Successor.Name;
            if (observed.LiveRun(name) is not { } run || actions.Any(a => a.ServiceName == name))
            {
                continue;
            }

            actions.Add(new PlannedAction.StopService(name, StopReason.YieldsDiskToReentry, false, run));
            decisions[name] = new Decision(name, DecisionCode.YieldsDiskToReentry, ReentryYield.Reason(y, y.Successor.Disk));
            next[name] = next[name] with { StopRequestedAt = now, StopRequestedFor = StopReason.YieldsDiskToReentry };
        }
    }

    /// <summary>
    /// The window's order (<see cref="ProvingOrder"/>), when <paramref name="byOutlook"/>: "prove now", then proofs
    /// that make the gap, then those that make only the deadline, then those that will miss it (several nodes: the
    /// proof due sooner first); within each, the mode's order. When everything fits, this is the mode's order unchanged.
    /// </summary>
    private static WindowKey ByOutlook(ServiceSpec service, FleetSnapshot observed, StartContext context, bool byOutlook) =>
        !byOutlook ? default
            : new(observed.Intents.ProveNow.Contains(service.Name) ? -1 : (int)context.Outlook.Of(service.Name), observed.NodeSides.IsEmpty ? 0 : context.Outlook.DueInSeconds(service.Name));

    /// <summary>
    /// The services without a live run, in the order a start is considered: "prove now" first; then the disks whose
    /// reads outlast the cycle gap, the fastest first, and on them the largest identity first (<see cref="GapOrder"/>);
    /// then the disk with the most estimated reads left (its last read ends last, so it gets the k2pow slots first:
    /// with more disks than slots, a disk started late by the queue for slots idles through it), then the order on
    /// each disk (earlier first), taking the first of every disk before the second of any, so disks start in
    /// parallel; ties (no estimates yet) go by config order, which keeps plans stable. With
    /// <paramref name="byOutlook"/> the window's order (<see cref="ByOutlook"/>) comes before all of it.
    /// </summary>
    internal static IEnumerable<ServiceSpec> StartOrder(FleetSpec desired, FleetSnapshot observed, StartContext context, bool byOutlook = false)
    {
        var work = context.DiskWork.Seconds;
        var gap = GapOrder.Of(desired, observed, context);
        var keys = new List<StartKey>(desired.Services.Length);
        foreach (var (service, diskIndex) in WithDiskIndex(desired, observed))
        {
            keys.Add(new StartKey(
                service,
                ByOutlook(service, observed, context, byOutlook),
                observed.Intents.ProveNow.Contains(service.Name) ? 0 : 1,
                Lead: gap.DiskKey(service),
                Work: work[service.Disk],
                Then1: gap.OnDiskKey(service),
                Then2: service.OrderOnDisk,
                Then3: diskIndex,
                Then4: 0,
                keys.Count));
        }

        // Sorted once with keys made once: LINQ's chain of six keys, then the window's sort of its output, was a
        // fifth of a pass at 1,000 identities.
        keys.Sort();
        return keys.ConvertAll(k => k.Service);
    }

    /// <summary>
    /// Pipelined mode: "prove now" first; then the disk with the most estimated work left (its last read ends
    /// last, so it gets the k2pow slots first: longest first). On a disk being read, the longest k2pow that still
    /// fits in the time the read has left (it hides behind the read; shorter ones are kept for shorter reads),
    /// else the shortest; on an idle disk the shortest k2pow (it starts reading sooner). Then the config order.
    /// When the k2pow left (over the max-pow slots) outweighs the busiest disk, the CPU is the bottleneck and the
    /// order is longest read first instead, so the last k2pow is followed by a short read (Johnson's rule when one
    /// disk is left). Without estimates this is the exclusive order. Only services without a live run; with
    /// <paramref name="byOutlook"/> the window's order (<see cref="ByOutlook"/>) comes before all of it.
    /// </summary>
    internal static IEnumerable<ServiceSpec> PipelinedStartOrder(FleetSpec desired, FleetSnapshot observed, StartContext context, bool byOutlook = false)
    {
        var estimates = context.Estimates;
        var work = context.DiskWork.Seconds;
        var shadow = context.DiskWork.ReadingLeft;
        var waiting = WithDiskIndex(desired, observed);
        var k2pows = new TimeSpan?[waiting.Count];
        double cpuLeft = 0;
        for (var i = 0; i < waiting.Count; i++)
        {
            var service = waiting[i].Service;
            k2pows[i] = estimates.StartAndK2PowOf(service);
            if (!context.Memory[service.Name].Delivered && k2pows[i] is { } k)
            {
                cpuLeft += k.TotalSeconds;
            }
        }

        cpuLeft /= Math.Max(1, desired.Schedule.MaxPow);
        var cpuBound = work.Count > 0 && cpuLeft > work.Values.Max();
        // CPU-bound: the k2pow slots run back to back whatever the order, so what decides the end is the reads still
        // to come after the last k2pow. Longest read first leaves the shortest for last; with many disks reading in
        // parallel this beats Johnson's rule (made for one CPU and one disk), which put a long read last whenever
        // its k2pow was shorter than it (cpu-starved: 1.09 × the bound against 1.03).
        // With one disk left it is a two-machine flow shop, where Johnson's rule is optimal: k2pow shorter than its
        // read first by k2pow ascending, then the rest by read descending.
        var oneDisk = work.Values.Count(w => w > 0) <= 1;
        double CpuBoundKey(ServiceSpec s, TimeSpan? startAndK2Pow)
        {
            if (startAndK2Pow is not { } k)
            {
                return double.MaxValue / 4;
            }

            var r = estimates.ReadSeconds(s, desired.Post) ?? 0;
            return oneDisk && k.TotalSeconds < r ? k.TotalSeconds - 1e12 : -r;
        }

        double FitKey(ServiceSpec s, TimeSpan? startAndK2Pow)
        {
            if (startAndK2Pow is not { } k)
            {
                return double.MaxValue;
            }

            var seconds = k.TotalSeconds;
            return seconds <= shadow[s.Disk] ? -seconds - 1e12 : seconds;
        }

        // A disk whose reads may outlast the gap loses the proof read last: the largest first leaves out the smallest
        // (hdd-penalty: the k2pow order left out a 12-unit proof where an 8-unit one could have been).
        double LargestFirst(ServiceSpec s) =>
            observed.For(s.Name).Window is not null && context.Outlook.WindowOf(s.Name) is { } w && GapStakes.MayOutlast(work[s.Disk], w.GapSecondsLeft) ? -s.NumUnits : 0;

        var keys = new StartKey[waiting.Count];
        for (var i = 0; i < waiting.Count; i++)
        {
            var (service, diskIndex) = waiting[i];
            keys[i] = new StartKey(
                service,
                ByOutlook(service, observed, context, byOutlook),
                observed.Intents.ProveNow.Contains(service.Name) ? 0 : 1,
                Lead: cpuBound ? CpuBoundKey(service, k2pows[i]) : 0,
                Work: work[service.Disk],
                Then1: diskIndex,
                Then2: LargestFirst(service),
                Then3: FitKey(service, k2pows[i]),
                Then4: service.OrderOnDisk,
                i);
        }

        // Sorted once with keys made once: LINQ's chain of seven keys, then the window's sort of its output, was a
        // fifth of a pass at 1,000 identities.
        Array.Sort(keys);
        return Array.ConvertAll(keys, k => k.Service);
    }

    /// <summary>
    /// Every service without a live run with its disk's place in the config, in config order (the sorts' input, made
    /// without a closure per disk). A live run is not started again, so it is not sorted either.
    /// </summary>
    private static List<(ServiceSpec Service, int DiskIndex)> WithDiskIndex(FleetSpec desired, FleetSnapshot observed)
    {
        var all = new List<(ServiceSpec, int)>(desired.Services.Length);
        for (var d = 0; d < desired.Disks.Length; d++)
        {
            foreach (var service in desired.Disks[d].Services)
            {
                if (observed.LiveRun(service.Name) is null)
                {
                    all.Add((service, d));
                }
            }
        }

        return all;
    }

    private static void ForgetRunsNotInConfig(IReadOnlyDictionary<string, ServiceSpec> byName, FleetSnapshot observed, List<PlannedAction> actions, Dictionary<string, Decision> decisions)
    {
        foreach (var run in observed.Runs.Values.Where(r => !byName.ContainsKey(r.ServiceName)).OrderBy(r => r.ServiceName, StringComparer.Ordinal))
        {
            if (!run.Running)
            {
                actions.Add(new PlannedAction.ForgetRun(run));
            }

            decisions[run.ServiceName] = new Decision(
                run.ServiceName,
                DecisionCode.NotInConfig,
                run.Running ? "running but not in the config; left alone (stop it by hand or add it back)" : "exited and not in the config; forgotten");
        }
    }

    private static string StartReason(ServiceMemory m, ProofOutlook outlook) => (m.Restarts, outlook) switch
    {
        (0, ProofOutlook.InGap) => "start: the identity is PROVING and every constraint allows it",
        (0, ProofOutlook.BeforeDeadline) => "start: the identity is PROVING; predicted to miss the cycle gap but not the proof deadline, so it goes after those that make the gap",
        (0, _) => "start: the identity is PROVING; predicted to miss the proof deadline, started last as nothing that can make it is waiting",
        (var n, _) => $"start: the identity is PROVING; restart {n} after a failed run",
    };
}

/// <summary>The window's sort keys of one service (<see cref="Planner"/>'s ByOutlook): all 0 when no window is judged.</summary>
internal readonly record struct WindowKey(int Outlook, double DueInSeconds) : IComparable<WindowKey>
{
    public int CompareTo(WindowKey other) =>
        Outlook != other.Outlook ? Outlook.CompareTo(other.Outlook) : DueInSeconds.CompareTo(other.DueInSeconds);
}

/// <summary>
/// One service's sort keys in the order they decide: the window's, "prove now", the mode's lead key, its disk's work
/// left (most first), the mode's further keys, and last <see cref="Index"/>, its place in config order, which keeps the
/// sort stable. Ints among the mode's keys are held as doubles, which order them the same.
/// </summary>
internal readonly record struct StartKey(ServiceSpec Service, WindowKey Window, int ProveNow, double Lead, double Work, double Then1, double Then2, double Then3, double Then4, int Index)
    : IComparable<StartKey>
{
    public int CompareTo(StartKey other)
    {
        var c = Window.CompareTo(other.Window);
        c = c != 0 ? c : ProveNow.CompareTo(other.ProveNow);
        c = c != 0 ? c : Lead.CompareTo(other.Lead);
        c = c != 0 ? c : other.Work.CompareTo(Work);
        c = c != 0 ? c : Then1.CompareTo(other.Then1);
        c = c != 0 ? c : Then2.CompareTo(other.Then2);
        c = c != 0 ? c : Then3.CompareTo(other.Then3);
        c = c != 0 ? c : Then4.CompareTo(other.Then4);
        return c != 0 ? c : Index.CompareTo(other.Index);
    }
}
