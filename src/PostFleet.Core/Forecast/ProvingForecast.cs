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
        var head = ulong.Parse(post.PowDifficulty[..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
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
            var k = known.K2PowOf(s.Name)?.TotalSeconds;
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
        var queues = spec.Disks.ToDictionary(
            d => d.Name,
            d => d.Services.OrderBy(s => outlook[s.Name]).ThenBy(s => k2pow[s.Name]).ThenBy(s => s.OrderOnDisk).ToList(),
            StringComparer.Ordinal);
        var diskFree = spec.Disks.ToDictionary(d => d.Name, _ => 0.0, StringComparer.Ordinal);
        var ends = new Dictionary<string, double>(StringComparer.Ordinal);
        var unplaced = spec.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var lastRead = spec.Disks.ToDictionary(d => d.Name, _ => 0.0, StringComparer.Ordinal);
        var failure = Planning.K2PowReservation.PassFailureChance(spec.Post);
        // Each disk's end if its queue read back to back, and the two latest: the planner weighs a successor against
        // the busiest other disk's end (or the gap's), so the forecast does too.
        var queuedRead = queues.ToDictionary(q => q.Key, q => q.Value.Sum(s => read[s.Name]), StringComparer.Ordinal);
        var gap = spec.Node.Poet.CycleGap.TotalSeconds;
        (string Disk, double End) latest = ("", 0);
        double secondLatest = 0;
        var lastUnits = spec.Disks.ToDictionary(d => d.Name, _ => 0.0, StringComparer.Ordinal);
        double Lead(string disk, ServiceSpec next)
        {
            var own = diskFree[disk] + queuedRead[disk];

            // As the planner: on a disk that may outlast the gap its proofs as units at stake (from the read before, in
            // the queue's order, with k2pow after the next), and the chance this disk is still the last.
            var stakes = Planning.GapStakes.MayOutlast(own, gap)
                ? Planning.GapStakes.Of(
                    gap - (diskFree[disk] - lastRead[disk]),
                    [(lastRead[disk], 0, lastUnits[disk]), (read[next.Name], 0, next.NumUnits), .. queues[disk].Where(s => s != next).Select(s => (read[s.Name], k2pow[s.Name], (double)s.NumUnits))],
                    1,
                    Planning.FinishChance.Draws(spec.Post.Nonces))
                : null;
            var counts = spec.Disks.Length < 2 ? 0 : Math.Min(gap, latest.Disk == disk ? secondLatest : latest.End);

            // The chance to end last weighs only a hidden k2pow that would move the end that counts (weighed in
            // seconds): elsewhere it multiplies nothing, and it walks every other disk's queue (1,000 identities: a
            // million lookups a forecast, which the open gap recomputes as its estimates move).
            var weighsLastChance = stakes is not { MayOutlastGap: true } && own + k2pow[next.Name] > counts;
            Planning.DiskEnd? end = spec.Disks.Length < 2 && stakes is null ? null
                : new(own, lastRead[disk], counts)
                {
                    LastChance = weighsLastChance
                        ? Planning.ReentryOverlap.LastChance(own, queues.Where(q => q.Key != disk).Select(q => (diskFree[q.Key] + queuedRead[q.Key], q.Value.Select(s => read[s.Name]))), failure)
                        : 1,
                    Stakes = stakes,
                };
            return Planning.ReentryOverlap.Pipelines(failure, k2pow[next.Name], Math.Min(lastRead[disk], read[next.Name]), known.TwoReaderPenaltyOf(disk), end) ? k2pow[next.Name] : 0;
        }

        var rows = new List<ForecastRow>();
        var latestStart = new double[3];
        while (queues.Values.Any(q => q.Count > 0))
        {
            (latest, secondLatest) = (("", 0), 0);
            foreach (var (disk, free) in diskFree)
            {
                var until = free + queuedRead[disk];
                if (until > latest.End)
                {
                    (latest, secondLatest) = ((disk, until), latest.End);
                }
                else
                {
                    secondLatest = Math.Max(secondLatest, until);
                }
            }

            double Free(string disk, ServiceSpec s) => Math.Max(slots.FreeAt(s), diskFree[disk] - Lead(disk, s));
            double StartOf(string disk, ServiceSpec s) => Math.Max(Free(disk, s), DependenciesEnd(s, ends));

            // On each disk the first service in its order that `after` does not hold back; if all are held, the one
            // released first. A held service lets the next one go first, as the planner does.
            var ready = queues
                .Select(q =>
                {
                    var placeable = q.Value.Where(s => !s.After.Any(unplaced.Contains)).ToList();
                    return (Disk: q.Key, Service: placeable.FirstOrDefault(s => DependenciesEnd(s, ends) <= Free(q.Key, s)) ?? placeable.MinBy(s => StartOf(q.Key, s)));
                })
                .Where(c => c.Service is not null)
                .ToList();
            if (ready.Count == 0)
            {
                // Only a cycle gets here (a spec the loader did not check): forecast it as if without `after`.
                ready = [.. queues.Where(q => q.Value.Count > 0).Select(q => (Disk: q.Key, Service: (ServiceSpec?)q.Value[0]))];
            }

            var pick = ready
                .Select(c => (c.Disk, Service: c.Service!, Start: StartOf(c.Disk, c.Service!), Work: queues[c.Disk].Sum(s => read[s.Name])))
                .OrderBy(c => outlook[c.Service.Name])
                .ThenBy(c => c.Start)
                .ThenByDescending(c => c.Work)
                .First();
            queues[pick.Disk].Remove(pick.Service);
            queuedRead[pick.Disk] -= read[pick.Service.Name];
            unplaced.Remove(pick.Service.Name);

            // The planner holds a proof of a worse outlook until every better one has started.
            var rank = (int)outlook[pick.Service.Name];
            var start = pick.Start;
            for (var better = 0; better < rank; better++)
            {
                start = Math.Max(start, latestStart[better]);
            }

            latestStart[rank] = Math.Max(latestStart[rank], start);
            var readStart = start + k2pow[pick.Service.Name];
            var end = readStart + read[pick.Service.Name];
            slots.Take(pick.Service, readStart);
            diskFree[pick.Disk] = end;
            ends[pick.Service.Name] = end;
            lastRead[pick.Disk] = read[pick.Service.Name];
            lastUnits[pick.Disk] = pick.Service.NumUnits;
            rows.Add(new ForecastRow(pick.Service, start, readStart, end, measured.Contains(pick.Service.Name)) { Outlook = outlook[pick.Service.Name] });
        }

        var window = spec.Node.Poet.CycleGap;
        // The CPU warning is about this host: k2pow on the pool or a direct worker does not load it.
        var cpu = spec.Services.Where(slots.IsLocal).Sum(s => k2pow[s.Name]);
        return new ProvingForecast([.. rows.OrderBy(r => r.Service.Disk, StringComparer.Ordinal).ThenBy(r => r.K2PowStart)], window, cpu, slots.LocalSlots,
            Warn(spec, rows, window.TotalSeconds, cpu, slots.LocalSlots, k2pow, read));
    }

    private static double DependenciesEnd(ServiceSpec service, Dictionary<string, double> ends) =>
        service.After.Select(d => ends.GetValueOrDefault(d)).DefaultIfEmpty(0).Max();

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
