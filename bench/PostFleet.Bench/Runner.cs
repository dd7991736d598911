using System.Globalization;
using System.Text;
using PostFleet.Core.Configuration;

namespace PostFleet.Bench;

/// <summary>The outcome of one strategy on one topology (the last epoch run).</summary>
public sealed record RunResult(
    string Strategy,
    double Makespan,
    bool Finished,
    int PeakReadersPerDisk,
    int PeakK2Pow,
    int PeakRunning,
    double OverlapSeconds,
    int LostRuns,
    int Decisions)
{
    /// <summary>Seconds some k2pow pool had more jobs than its slots (the bench's max-pow): re-entries, or no cap.</summary>
    public double OverPowSlotsSeconds { get; init; }

    public int FailedPasses { get; init; }

    /// <summary>Units (and identities) whose proof landed inside the cycle gap, and by the proof deadline.</summary>
    public double UnitsInGap { get; init; }

    public double UnitsByDeadline { get; init; }

    public int MissedGap { get; init; }

    public int MissedDeadline { get; init; }

    /// <summary>Seconds disks had two or more readers, summed over disks (a disk with 2 readers for 10 s counts 10).</summary>
    public double TwoReaderDiskSeconds => OverlapSeconds;
}

/// <summary>Runs strategies on the model in virtual time: event to event, no sleeping.</summary>
public static class Runner
{
    /// <summary>
    /// Runs <paramref name="epochs"/> cycle gaps back to back (strategies that learn use the earlier ones) and
    /// reports the last. <paramref name="onStep"/> sees the model after every step (tests check caps there).
    /// </summary>
    public static RunResult Run(Topology topology, IStrategy strategy, int epochs = 2, Action<FleetModel, IStrategy>? onStep = null, PassFailures? failures = null,
        Uncertainty? uncertainty = null, CancellationToken cancellationToken = default)
    {
        FleetModel model = null!;
        var decisions = 0;
        var finished = false;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            model = new FleetModel(topology, failures, epoch, uncertainty);
            strategy.BeginEpoch(model, epoch);
            var wake = new double[topology.Hosts.Length];
            var limit = Math.Max(topology.CycleGap.TotalSeconds * 20, topology.Deadline.TotalSeconds * 2);
            while (!model.AllDone)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var t = Math.Min(model.NextEventTime(), wake.Min());
                if (double.IsPositiveInfinity(t) || t > limit)
                {
                    break; // stuck: nothing runs and no strategy wants to look again
                }

                var changed = model.AdvanceTo(Math.Max(t, model.Now));
                for (var h = 0; h < wake.Length; h++)
                {
                    if (changed.Contains(h) || wake[h] <= model.Now)
                    {
                        wake[h] = Math.Max(strategy.Decide(model, h), model.Now + 1e-6);
                        decisions++;
                        onStep?.Invoke(model, strategy);
                    }
                }
            }

            finished = model.AllDone;
        }

        return new RunResult(
            strategy.Name,
            finished ? model.Makespan : double.PositiveInfinity,
            finished,
            model.PeakReaders.DefaultIfEmpty(0).Max(),
            model.PeakK2Pow.DefaultIfEmpty(0).Max(),
            model.PeakRunning.DefaultIfEmpty(0).Max(),
            model.OverlapSeconds.Sum(),
            model.LostRuns,
            decisions)
        {
            OverPowSlotsSeconds = model.OverPowSlotsSeconds.Sum(),
            FailedPasses = model.FailedPasses,
            UnitsInGap = model.Jobs.Where(j => j.DoneAt <= topology.CycleGap.TotalSeconds).Sum(j => (double)j.Identity.Units),
            UnitsByDeadline = model.Jobs.Where(j => j.DoneAt <= topology.Deadline.TotalSeconds).Sum(j => (double)j.Identity.Units),
            MissedGap = model.Jobs.Count(j => !(j.DoneAt <= topology.CycleGap.TotalSeconds)),
            MissedDeadline = model.Jobs.Count(j => !(j.DoneAt <= topology.Deadline.TotalSeconds)),
        };
    }

    /// <summary>The strategies compared, configured as their users would for this topology (docs/scheduling.md).</summary>
    public static IReadOnlyList<Func<IStrategy>> Suite(Topology t) => [.. NamedSuite(t).Select(s => s.Make)];

    /// <summary>
    /// The same suite with the short name `--strategies` selects each by (<see cref="StrategySelection"/>);
    /// with <paramref name="sensitivity"/> also PostFleet with distorted k2pow estimates and other max-pow risks.
    /// </summary>
    public static IReadOnlyList<NamedStrategy> NamedSuite(Topology t, bool sensitivity = false)
    {
        var slots = t.PowSlots(0);
        var disksPerHost = t.Hosts.Max(h => t.Disks.Count(d => d.Host == h.Index));
        List<NamedStrategy> suite =
        [
            new(StrategySelection.Keys[0], () => new StaticDag(t)),
            new(StrategySelection.Keys[1], () => new PsmPhased(slots)),
            new(StrategySelection.Keys[2], () => new SmPsmCaps(slots, disksPerHost + slots)),
            new(StrategySelection.Keys[3], () => new AllAtOnce()),
            new(StrategySelection.Keys[4], () => new PlannerStrategy(t, ScheduleMode.Exclusive)),
            new(StrategySelection.Keys[5], () => new PlannerStrategy(t, ScheduleMode.Pipelined)),
        ];
        if (sensitivity)
        {
            var keys = StrategySelection.SensitivityKeys;
            suite.Add(new(keys[0], () => new PlannerStrategy(t, ScheduleMode.Pipelined, "postfleet(k2pow est x0.8)", 0.8)));
            suite.Add(new(keys[1], () => new PlannerStrategy(t, ScheduleMode.Pipelined, "postfleet(k2pow est x1.25)", 1.25)));
            foreach (var (risk, at) in new[] { (0, 2), (5, 4) })
            {
                suite.Add(new(keys[at], () => new PlannerStrategy(t, ScheduleMode.Exclusive, $"postfleet(excl, risk {risk})", maxPowRiskPercent: risk)));
                suite.Add(new(keys[at + 1], () => new PlannerStrategy(t, ScheduleMode.Pipelined, $"postfleet(pipe, risk {risk})", maxPowRiskPercent: risk)));
            }
        }

        return suite;
    }

    public static IReadOnlyList<RunResult> RunSuite(Topology t, PassFailures? failures = null, Uncertainty? uncertainty = null) =>
        [.. Suite(t).Select(make => Run(t, make(), failures: failures, uncertainty: uncertainty))];

    public static string Table(Topology t, IReadOnlyList<RunResult> results)
    {
        var bound = LowerBound.Of(t);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"topology {t.Name}: {t.Identities.Length} identities, {t.Disks.Length} disks, {t.Hosts.Length} host(s), nonces {t.Nonces}, cycle gap {Durations.Format(t.CycleGap)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"lower bound {Hours(bound.Seconds)} (bound by {bound.BindingResource}; disks {Hours(bound.DiskSeconds)}, cpu {Hours(bound.CpuSeconds)}, longest identity {Hours(bound.LongestIdentitySeconds)})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"strategy",-26} {"makespan",10} {"ratio",7} {"fits gap",8} {"peak rd/disk",12} {"peak k2pow",10} {"k2pow>cap s",11} {"2-reader s",10} {"failed",6}");
        foreach (var r in results)
        {
            var ratio = r.Finished ? (r.Makespan / bound.Seconds).ToString("0.000", CultureInfo.InvariantCulture) : "stuck";
            var fits = r.Finished && r.Makespan <= t.CycleGap.TotalSeconds ? "yes" : "NO";
            sb.AppendLine(CultureInfo.InvariantCulture, $"{r.Strategy,-26} {Hours(r.Makespan),10} {ratio,7} {fits,8} {r.PeakReadersPerDisk,12} {r.PeakK2Pow,10} {r.OverPowSlotsSeconds,11:0} {r.OverlapSeconds,10:0} {r.FailedPasses,6}");
        }

        return sb.ToString();
    }

    public static string Hours(double seconds) => double.IsFinite(seconds)
        ? Durations.Format(TimeSpan.FromSeconds(Math.Round(seconds)))
        : "∞";
}
