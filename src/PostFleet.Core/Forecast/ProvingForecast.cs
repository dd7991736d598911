using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Forecast;

/// <summary>
/// What the forecast assumes about the hardware where there is no history. Defaults: a disk reads 200 MiB/s
/// (a good HDD, sequential), one k2pow job computes 5,000 RandomX H/s (a desktop CPU in fast mode with all its
/// threads), and the CPU does not limit the read. Override per disk with <see cref="DiskMibPerSecond"/>.
/// </summary>
public sealed record HardwareAssumptions(double DefaultDiskMibPerSecond, double K2PowHashRate, ImmutableDictionary<string, double> DiskMibPerSecond)
{
    public static readonly HardwareAssumptions Default = new(200, 5000, ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal));

    public double DiskBytesPerSecond(string disk) => DiskMibPerSecond.GetValueOrDefault(disk, DefaultDiskMibPerSecond) * 1024 * 1024;
}

/// <summary>One service in the forecast, in seconds from the gap's opening.</summary>
public sealed record ForecastRow(ServiceSpec Service, double K2PowStart, double ReadStart, double End, bool Measured)
{
    /// <summary>Where the proof lands by <see cref="Planning.ProvingOrder"/>, the order the planner starts in.</summary>
    public Planning.ProofOutlook Outlook { get; init; }
}

/// <summary>The predicted schedule of the next cycle gap and what does not fit.</summary>
public sealed record ProvingForecast(
    ImmutableArray<ForecastRow> Rows,
    TimeSpan Window,
    double CpuBusySeconds,
    int PowSlots,
    ImmutableArray<string> Warnings)
{
    public double Makespan => Rows.IsEmpty ? 0 : Rows.Max(r => r.End);

    /// <summary>Expected RandomX hashes of one k2pow pass: units × 2^64/difficulty (first 8 bytes) × nonces/16.</summary>
    public static double K2PowHashes(ServiceSpec service, PostSettings post)
    {
        var head = ulong.Parse(post.PowDifficulty.AsSpan(0, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var perUnitGroup = head == 0 ? 1e12 : Math.Pow(2, 64) / head;
        return service.NumUnits * perUnitGroup * (post.Nonces / 16.0);
    }

    /// <summary>
    /// The pipelined schedule, as the planner runs it: one reader per disk, at most max-pow local k2pow at once (all
    /// services when 0) and k2pow on a pool or direct worker counted against that resource's own cap, at its workers'
    /// hash rate (<see cref="K2PowSlots"/>, the planner's <see cref="Planning.K2PowResource"/>), each disk's next k2pow timed to end as its disk frees up (unless a failed pass before it
    /// would likely cost more than that saves, <see cref="Planning.ReentryOverlap"/>); the disk whose start comes
    /// first goes first (ties: the one with most work left). A service with <c>after</c> dependencies starts its
    /// k2pow no earlier than their predicted ends, as the planner holds it until they delivered. Known durations
    /// (<paramref name="known"/>) win over the hardware assumptions. Proofs are placed in the planner's window order
    /// (<see cref="Planning.ProvingOrder"/>): those that make the gap first, then those that make only the proof
    /// deadline (<paramref name="deadline"/>, from the gap's opening; unknown when null), then those that miss it.
    /// </summary>
    public static ProvingForecast Of(FleetSpec spec, HardwareAssumptions hardware, Planning.ProvingEstimates? known = null, TimeSpan? deadline = null)
    {
        known ??= Planning.ProvingEstimates.None;
        var k2pow = new Dictionary<string, double>(StringComparer.Ordinal);
        var read = new Dictionary<string, double>(StringComparer.Ordinal);
        var measured = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in spec.Services)
        {
            var k = known.StartAndK2PowOf(s)?.TotalSeconds; // a fresh start: its start-up, then its k2pow
            var r = known.ReadSeconds(s, spec.Post);
            k2pow[s.Name] = k ?? K2PowHashes(s, spec.Post) / K2PowSlots.HashRateOf(s, spec, hardware);
            read[s.Name] = r ?? ServicePhases.DataBytes(s, spec.Post) / hardware.DiskBytesPerSecond(s.Disk);
            if (k is not null && r is not null)
            {
                measured.Add(s.Name);
            }
        }

        var slots = K2PowSlots.Of(spec);
        var outlook = Planning.ProvingOrder.Admit(
            [.. spec.Services.Select(s => new Planning.ProofWork(s, k2pow[s.Name], read[s.Name]))],
            spec.Schedule.MaxPow,
            new Planning.ProvingWindow(spec.Node.Poet.CycleGap.TotalSeconds, deadline?.TotalSeconds),
            spec.Schedule.Mode == ScheduleMode.Pipelined,
            Planning.FinishChance.Draws(spec.Post.Nonces));
        var disks = new ForecastDisks(
            spec,
            d => d.Services.OrderBy(s => outlook[s.Name]).ThenBy(s => k2pow[s.Name]).ThenBy(s => s.OrderOnDisk).ToList(),
            read);
        var ends = new Dictionary<string, double>(StringComparer.Ordinal);
        var unplaced = spec.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var failure = Planning.K2PowReservation.PassFailureChance(spec.Post);
        var draws = Planning.FinishChance.Draws(spec.Post.Nonces);
        // Each disk's end if its queue read back to back, and the two latest: the planner weighs a successor against
        // the busiest other disk's end (or the gap's), so the forecast does too.
        var gap = spec.Node.Poet.CycleGap.TotalSeconds;
        (int Disk, double End) latest = (-1, 0);
        double secondLatest = 0;
        double Lead(int disk, ServiceSpec next)
        {
            var own = disks.End(disk);
            var (free, lastRead) = (disks.Free[disk], disks.LastRead[disk]);

            // As the planner: on a disk that may outlast the gap its proofs as units at stake (from the read before, in
            // the queue's order, with k2pow after the next), and the chance this disk is still the last.
            var stakes = Planning.GapStakes.MayOutlast(own, gap)
                ? Planning.GapStakes.Of(
                    gap - (free - lastRead),
                    [(lastRead, 0, disks.LastUnits[disk]), (read[next.Name], 0, next.NumUnits), .. disks.Queues[disk].Where(s => s != next).Select(s => (read[s.Name], k2pow[s.Name], (double)s.NumUnits))],
                    1,
                    draws)
                : null;
            var counts = disks.Count < 2 ? 0 : Math.Min(gap, latest.Disk == disk ? secondLatest : latest.End);

            // The chance to end last weighs only a hidden k2pow that would move the end that counts (weighed in
            // seconds): elsewhere it multiplies nothing, and it walks every other disk's queue (1,000 identities: a
            // million lookups a forecast, which the open gap recomputes as its estimates move).
            var weighsLastChance = stakes is not { MayOutlastGap: true } && own + k2pow[next.Name] > counts;
            Planning.DiskEnd? end = disks.Count < 2 && stakes is null ? null
                : new(own, lastRead, counts)
                {
                    LastChance = weighsLastChance ? disks.LastChance(disk, own, failure) : 1,
                    Stakes = stakes,
                };
            return Planning.ReentryOverlap.Pipelines(failure, k2pow[next.Name], Math.Min(lastRead, read[next.Name]), known.TwoReaderPenaltyOf(disks.Names[disk]), end) ? k2pow[next.Name] : 0;
        }

        double Free(int disk, ServiceSpec s) => Math.Max(slots.FreeAt(s), disks.Free[disk] - Lead(disk, s));

        // On a disk the first service in its order that `after` does not hold back and that its dependencies' ends do
        // not delay; if each is delayed, the one released first. A held service lets the next one go first, as the
        // planner does. Null when `after` holds them all back.
        (int Disk, ServiceSpec Service, double Start)? Ready(int disk)
        {
            (ServiceSpec Service, double Start)? first = null;
            foreach (var s in disks.Queues[disk])
            {
                if (HeldBack(s, unplaced))
                {
                    continue;
                }

                var free = Free(disk, s);
                var dependencies = DependenciesEnd(s, ends);
                var start = Math.Max(free, dependencies);
                if (dependencies <= free)
                {
                    return (disk, s, start);
                }

                if (first is not { } f || start.CompareTo(f.Start) < 0)
                {
                    first = (s, start);
                }
            }

            return first is { } released ? (disk, released.Service, released.Start) : null;
        }

        var rows = new List<ForecastRow>();
        var latestStart = new double[3];
        var ready = new List<(int Disk, ServiceSpec Service, double Start)>(disks.Count);
        while (disks.Left > 0)
        {
            (latest, secondLatest) = ((-1, 0), 0);
            for (var disk = 0; disk < disks.Count; disk++)
            {
                var until = disks.End(disk);
                if (until > latest.End)
                {
                    (latest, secondLatest) = ((disk, until), latest.End);
                }
                else
                {
                    secondLatest = Math.Max(secondLatest, until);
                }
            }

            ready.Clear();
            for (var disk = 0; disk < disks.Count; disk++)
            {
                if (Ready(disk) is { } candidate)
                {
                    ready.Add(candidate);
                }
            }

            if (ready.Count == 0)
            {
                // Only a cycle gets here (a spec the loader did not check): forecast it as if without `after`.
                for (var disk = 0; disk < disks.Count; disk++)
                {
                    if (disks.Queues[disk] is [var head, ..])
                    {
                        ready.Add((disk, head, Math.Max(Free(disk, head), DependenciesEnd(head, ends))));
                    }
                }
            }

            var pick = Pick(ready, outlook, disks);
            var service = pick.Service;
            unplaced.Remove(service.Name);

            // The planner holds a proof of a worse outlook until every better one has started.
            var rank = (int)outlook[service.Name];
            var start = pick.Start;
            for (var better = 0; better < rank; better++)
            {
                start = Math.Max(start, latestStart[better]);
            }

            latestStart[rank] = Math.Max(latestStart[rank], start);
            var readStart = start + k2pow[service.Name];
            var end = readStart + read[service.Name];
            slots.Take(service, readStart);
            disks.Place(pick.Disk, disks.Queues[pick.Disk].IndexOf(service), read[service.Name], service.NumUnits, end);
            ends[service.Name] = end;
            rows.Add(new ForecastRow(service, start, readStart, end, measured.Contains(service.Name)) { Outlook = outlook[service.Name] });
        }
        var window = spec.Node.Poet.CycleGap;
        // The CPU warning is about this host: k2pow on the pool or a direct worker does not load it.
        var cpu = spec.Services.Where(slots.IsLocal).Sum(s => k2pow[s.Name]);
        return new ProvingForecast([.. rows.OrderBy(r => r.Service.Disk, StringComparer.Ordinal).ThenBy(r => r.K2PowStart)], window, cpu, slots.LocalSlots,
            Warn(spec, rows, window.TotalSeconds, cpu, slots.LocalSlots, k2pow, read));
    }

    /// <summary>
    /// Of the ready disks' next services, the one placed next: the best outlook, then the soonest start, then the disk
    /// with the most work left; the first in disk order among equals.
    /// </summary>
    private static (int Disk, ServiceSpec Service, double Start) Pick(
        List<(int Disk, ServiceSpec Service, double Start)> ready, IReadOnlyDictionary<string, Planning.ProofOutlook> outlook, ForecastDisks disks)
    {
        var pick = ready[0];
        double? pickWork = null;
        for (var i = 1; i < ready.Count; i++)
        {
            var c = ready[i];
            var order = Comparer<Planning.ProofOutlook>.Default.Compare(outlook[c.Service.Name], outlook[pick.Service.Name]);
            if (order == 0)
            {
                order = c.Start.CompareTo(pick.Start);
            }

            double? work = null;
            if (order == 0)
            {
                // The work is added up only for a tie, as a sort would compare it (most first).
                pickWork ??= disks.Work(pick.Disk);
                work = disks.Work(c.Disk);
                order = pickWork.Value.CompareTo(work.Value);
            }

            if (order < 0)
            {
                (pick, pickWork) = (c, work);
            }
        }

        return pick;
    }

    /// <summary>Whether a service of <c>after</c> is still to be placed.</summary>
    private static bool HeldBack(ServiceSpec service, HashSet<string> unplaced)
    {
        foreach (var dependency in service.After)
        {
            if (unplaced.Contains(dependency))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The latest predicted end of the service's dependencies (0 without any); an end not known counts as 0.</summary>
    private static double DependenciesEnd(ServiceSpec service, Dictionary<string, double> ends)
    {
        // As a maximum that orders NaN below every number, so a NaN end never hides a later one.
        var latest = 0.0;
        for (var i = 0; i < service.After.Length; i++)
        {
            var end = ends.GetValueOrDefault(service.After[i]);
            if (i == 0 || end > latest || double.IsNaN(latest))
            {
                latest = end;
            }
        }

        return latest;
    }

    private static ImmutableArray<string> Warn(
        FleetSpec spec, List<ForecastRow> rows, double window, double cpu, int slots, Dictionary<string, double> k2pow, Dictionary<string, double> read)
    {
        var warnings = new List<string>();
        var cpuSeconds = cpu / slots;
        if (cpuSeconds > window * 0.8)
        {
            warnings.Add($"CPU: k2pow needs {Format(cpuSeconds)} of the {Format(window)} window over {slots} slot(s). Fix: fewer nonces " +
                $"(k2pow scales with nonces/16: {spec.Post.Nonces} → {Math.Max(16, spec.Post.Nonces / 2)} halves it, but one pass then succeeds less often), " +
                "more threads or a faster CPU per k2pow, a higher schedule.max-pow if cores are idle, or remote k2pow workers.");
        }

        var diskEnds = rows.GroupBy(r => r.Service.Disk).ToDictionary(g => g.Key, g => g.Max(r => r.End), StringComparer.Ordinal);
        foreach (var (disk, end) in diskEnds.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (end <= window)
            {
                continue;
            }

            var over = end - window;
            var services = rows.Where(r => r.Service.Disk == disk).Select(r => r.Service).ToList();

            // Moving an identity that alone needs more than the window fixes nothing: it gets its own warning below.
            var movable = services.Where(s => k2pow[s.Name] + read[s.Name] <= window).ToList();
            var mover = movable.Where(s => read[s.Name] >= over).OrderBy(s => read[s.Name]).FirstOrDefault() ?? movable.OrderByDescending(s => read[s.Name]).FirstOrDefault();
            if (mover is null)
            {
                warnings.Add($"disk {disk}: done at {Format(end)}, {Format(over)} after the {Format(window)} window ends, because of {string.Join(", ", services.Select(s => s.Name))}, which alone {(services.Count == 1 ? "needs" : "need")} more than the window (below).");
                continue;
            }

            var target = diskEnds.Where(kv => kv.Key != disk).OrderBy(kv => kv.Value).Select(kv => (Disk: kv.Key, End: kv.Value)).FirstOrDefault();
            var move = target.Disk is not null && target.End + read[mover.Name] <= window
                ? $"move {mover.Name} ({mover.NumUnits} SU, about {Format(read[mover.Name])} of reading) to disk {target.Disk}, which is done at {Format(target.End)}"
                : $"move {mover.Name} ({mover.NumUnits} SU) to a new disk";
            warnings.Add($"disk {disk}: done at {Format(end)}, {Format(over)} after the {Format(window)} window ends. Fix: {move}; or a faster disk (reads are {services.Count} × one full pass).");
        }

        foreach (var row in rows.Where(r => k2pow[r.Service.Name] + read[r.Service.Name] > window))
        {
            warnings.Add(TooLargeAlone(spec, row.Service, k2pow[row.Service.Name], read[row.Service.Name], window));
        }

        return [.. warnings];
    }

    /// <summary>
    /// An identity whose own k2pow and read outlast the window cannot make the gap on any schedule, on this disk or a
    /// new one of the same speed: the fixes that can work are smaller identities or faster storage (and CPU).
    /// </summary>
    private static string TooLargeAlone(FleetSpec spec, ServiceSpec service, double k2pow, double read, double window)
    {
        var fitting = (uint)Math.Floor(service.NumUnits * window / (k2pow + read));
        var fixes = new List<string>();
        if (fitting > 0)
        {
            fixes.Add($"split it into identities of at most {fitting} SU each");
        }

        if (k2pow < window)
        {
            var mibs = ServicePhases.DataBytes(service, spec.Post) / (window - k2pow) / (1024 * 1024);
            fixes.Add($"move its data to storage that reads at least {(mibs >= 10 ? mibs.ToString("0", CultureInfo.InvariantCulture) : mibs.ToString("G2", CultureInfo.InvariantCulture))} MiB/s");
        }
        else
        {
            fixes.Add("prove its k2pow faster (remote k2pow workers, more threads, fewer nonces)");
        }

        return $"{service.Name}: alone it needs {Format(k2pow + read)} ({Format(k2pow)} k2pow, {Format(read)} reading), more than the {Format(window)} window, " +
            $"so no schedule proves it inside the gap (it is started after the identities that can). Fix: {string.Join(", or ", fixes)}; another disk of the same speed would not help.";
    }

    /// <summary>A text Gantt chart: per service, '.' waiting, 'k' k2pow, '#' reading; '|' marks the window's end.</summary>
    public string Gantt(int width = 72)
    {
        var span = Math.Max(Makespan, Window.TotalSeconds);
        var scale = span / width;
        var sb = new StringBuilder();
        var nameWidth = Math.Max(8, Rows.IsEmpty ? 8 : Rows.Max(r => r.Service.Name.Length));
        var windowColumn = (int)Math.Round(Window.TotalSeconds / scale);
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"service".PadRight(nameWidth)}  {"disk",-10} 0{new string(' ', Math.Max(0, windowColumn - 1))}{Format(Window.TotalSeconds)} (gap end)");
        foreach (var row in Rows)
        {
            var bar = new char[width + 1];
            for (var c = 0; c <= width; c++)
            {
                var t = (c + 0.5) * scale;
                bar[c] = t < row.K2PowStart ? '.' : t < row.ReadStart ? 'k' : t < row.End ? '#' : ' ';
            }

            if (windowColumn <= width && bar[windowColumn] is ' ' or '.')
            {
                bar[windowColumn] = '|';
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"{row.Service.Name.PadRight(nameWidth)}  {row.Service.Disk,-10} {new string(bar).TrimEnd()}  {Format(row.End)}{(row.Measured ? "" : " *")}");
        }

        return sb.ToString();
    }

    public static string Format(double seconds) => Durations.Format(TimeSpan.FromSeconds(Math.Round(Math.Max(0, seconds))));
}
