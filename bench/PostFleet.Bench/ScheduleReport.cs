using System.Globalization;
using System.Text;

namespace PostFleet.Bench;

/// <summary>One strategy's figures on one topology, averaged over the seeds (the reported epoch of each run).</summary>
public sealed record StrategyFigures(
    string Strategy,
    double UnitsInGap,
    double UnitsByDeadline,
    double MissedGap,
    double MissedDeadline,
    double MakespanSeconds,
    double MakespanRatio,
    int FinishedSeeds,
    double K2PowOverCapSeconds,
    double TwoReaderDiskSeconds,
    double FailedPasses)
{
    /// <summary>Units in the gap (and by the deadline) as a percentage of the tighter valid bound (<see cref="TopologyFigures.TighterBoundInGap"/>).</summary>
    public double PercentOfTighterInGap { get; init; }

    public double PercentOfTighterByDeadline { get; init; }

    /// <summary>Units in the gap per seed (seeds 1..N): the spread behind the mean, against a bound on the expectation.</summary>
    public IReadOnlyList<double> UnitsInGapPerSeed { get; init; } = [];
}

/// <summary>
/// A topology's figures: its bounds and every strategy's. <see cref="Exact"/>: no draws (expected work, one pass
/// each), as the bench was before uncertainty. Two upper bounds on units, both valid for the mean of a schedule that
/// learns each draw only when it ends (as PostFleet and every peer do): <see cref="UpperBoundInGap"/>, the clairvoyant
/// one, averaged over the seeds, each computed on its own draws (<see cref="UpperBound"/>); and
/// <see cref="NonAnticipativeBoundInGap"/>, on the expectation over draws (<see cref="UpperBoundNonAnticipative"/>).
/// </summary>
public sealed record TopologyFigures(
    string Topology,
    int Identities,
    double Units,
    int Seeds,
    bool Exact,
    double GapSeconds,
    double DeadlineSeconds,
    double UpperBoundInGap,
    double UpperBoundByDeadline,
    double LowerBoundSeconds,
    string LowerBoundBinding,
    IReadOnlyList<StrategyFigures> Strategies)
{
    /// <summary>Upper bound on the expected units of a non-anticipative schedule, inside the gap and by the deadline.</summary>
    public double NonAnticipativeBoundInGap { get; init; } = double.PositiveInfinity;

    public double NonAnticipativeBoundByDeadline { get; init; } = double.PositiveInfinity;

    /// <summary>
    /// The non-anticipative bound with each disk also bounded by its adaptive optimum (failed passes read again;
    /// <see cref="UpperBoundAdaptiveDisk"/>): at most <see cref="NonAnticipativeBoundInGap"/>, also on expected units.
    /// </summary>
    public double AdaptiveBoundInGap { get; init; } = double.PositiveInfinity;

    public double AdaptiveBoundByDeadline { get; init; } = double.PositiveInfinity;

    /// <summary>Disks whose adaptive program was too large (in the gap): there the adaptive bound keeps the knapsack term.</summary>
    public int AdaptiveDisksFellBack { get; init; }

    /// <summary>
    /// The yardstick the percentages use: per k2pow pool (host, or the remote pool) the smallest of the bounds'
    /// shares (clairvoyant, non-anticipative with the adaptive disks), summed. Units split by pool, and each bound holds for each pool's units, so the sum holds too.
    /// </summary>
    public double TighterBoundInGap { get; init; } = double.PositiveInfinity;

    /// <summary>Pools (hosts, or the one remote pool) where the non-anticipative (adaptive) bound is the smaller (of <see cref="Pools"/>).</summary>
    public int NonAnticipativePoolsInGap { get; init; }

    public int Pools { get; init; }

    public double TighterBoundByDeadline => Math.Min(UpperBoundByDeadline, Math.Min(NonAnticipativeBoundByDeadline, AdaptiveBoundByDeadline));

    /// <summary>Which bound decides: "clairvoyant", "non-anticipative", or "per pool: …" when it differs by pool.</summary>
    public string TighterInGap => NonAnticipativePoolsInGap == 0 ? "clairvoyant"
        : NonAnticipativePoolsInGap == Pools ? "non-anticipative"
        : $"per pool the smaller: non-anticipative on {NonAnticipativePoolsInGap} of {Pools} pools, clairvoyant on the rest";

    public string TighterByDeadline => Math.Min(NonAnticipativeBoundByDeadline, AdaptiveBoundByDeadline) < UpperBoundByDeadline - ScheduleReport.Tie ? "non-anticipative" : "clairvoyant";
}

/// <summary>Runs a suite on a topology over seeds 1..N and turns the results into the table and JSON of `bench schedule`.</summary>
public static class ScheduleReport
{
    /// <summary>Bounds closer than this (units) are the same: the clairvoyant one is named then.</summary>
    internal const double Tie = 1e-3;

    public static TopologyFigures Measure(Topology t, IReadOnlyList<Func<IStrategy>> suite, int seeds, bool exact, CancellationToken cancellationToken = default)
    {
        const int ReportedEpoch = 1; // Runner.Run's default: one learning epoch, then the reported one
        var runs = new List<RunResult>[suite.Count];
        for (var i = 0; i < suite.Count; i++)
        {
            runs[i] = [];
        }

        double ubGap = 0, ubDeadline = 0, lb = 0;
        double[]? clairvoyantPools = null;
        var binding = "";
        var n = exact ? 1 : Math.Max(1, seeds);
        for (var seed = 1; seed <= n; seed++)
        {
            var uncertainty = exact ? null : new Uncertainty(seed);
            var failures = exact ? null : new PassFailures(t, seed);
            var work = t.Identities.Select(i => FleetModel.WorkOf(t, i, ReportedEpoch, failures, uncertainty)).ToList();
            var pools = UpperBound.PerPool(t, work, t.CycleGap.TotalSeconds);
            clairvoyantPools ??= new double[pools.Length];
            for (var p = 0; p < pools.Length; p++)
            {
                clairvoyantPools[p] += pools[p] / n;
            }

            ubGap += pools.Sum();
            ubDeadline += UpperBound.Units(t, work, t.Deadline.TotalSeconds);
            var lower = LowerBound.Of(t, work);
            lb += lower.Seconds;
            binding = lower.BindingResource;
            for (var i = 0; i < suite.Count; i++)
            {
                runs[i].Add(Runner.Run(t, suite[i](), failures: failures, uncertainty: uncertainty, cancellationToken: cancellationToken));
            }
        }

        var strategies = runs.Select(r =>
        {
            var finished = r.Where(x => x.Finished).ToList();
            return new StrategyFigures(
                r[0].Strategy,
                r.Average(x => x.UnitsInGap),
                r.Average(x => x.UnitsByDeadline),
                r.Average(x => x.MissedGap),
                r.Average(x => x.MissedDeadline),
                finished.Count > 0 ? finished.Average(x => x.Makespan) : double.PositiveInfinity,
                finished.Count > 0 ? finished.Average(x => x.Makespan) / (lb / n) : double.PositiveInfinity,
                finished.Count,
                r.Average(x => x.OverPowSlotsSeconds),
                r.Average(x => x.TwoReaderDiskSeconds),
                r.Average(x => x.FailedPasses))
            {
                UnitsInGapPerSeed = [.. r.Select(x => x.UnitsInGap)],
            };
        }).ToList();
        var expectedPools = UpperBoundNonAnticipative.PerPool(t, t.CycleGap.TotalSeconds, uncertain: !exact);

        // Valid alone, and at most the plain one where the search meets it; the smaller per pool of both still holds.
        var adaptivePools = UpperBoundNonAnticipative.PerPool(t, t.CycleGap.TotalSeconds, uncertain: !exact, adaptive: true, out var fellBack)
            .Select((x, p) => Math.Min(x, expectedPools[p])).ToArray();
        var figures = new TopologyFigures(t.Name, t.Identities.Length, t.Identities.Sum(i => (double)i.Units), n, exact, t.CycleGap.TotalSeconds, t.Deadline.TotalSeconds,
            ubGap / n, ubDeadline / n, lb / n, binding, strategies)
        {
            NonAnticipativeBoundInGap = expectedPools.Sum(),
            AdaptiveBoundInGap = adaptivePools.Sum(),
            AdaptiveDisksFellBack = fellBack,
            TighterBoundInGap = Math.Min(ubGap / n, adaptivePools.Select((x, p) => Math.Min(x, clairvoyantPools![p])).Sum()),
            NonAnticipativePoolsInGap = adaptivePools.Select((x, p) => x < clairvoyantPools![p] - Tie).Count(b => b),
            Pools = expectedPools.Length,
            NonAnticipativeBoundByDeadline = UpperBoundNonAnticipative.Units(t, t.Deadline.TotalSeconds, uncertain: !exact),
            AdaptiveBoundByDeadline = UpperBoundNonAnticipative.Units(t, t.Deadline.TotalSeconds, uncertain: !exact, adaptive: true),
        };
        return figures with
        {
            Strategies = [.. strategies.Select(s => s with
            {
                PercentOfTighterInGap = Percentage(s.UnitsInGap, figures.TighterBoundInGap),
                PercentOfTighterByDeadline = Percentage(s.UnitsByDeadline, figures.TighterBoundByDeadline),
            })],
        };
    }

    public static string Table(TopologyFigures f)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"topology {f.Topology}: {f.Identities} identities, {f.Units:0} units; gap {Runner.Hours(f.GapSeconds)}, deadline {Runner.Hours(f.DeadlineSeconds)} after it opens; {(f.Exact ? "exact model" : $"mean of {f.Seeds} seed(s)")}");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"upper bound, clairvoyant (knows each seed's draws; mean over seeds): {f.UpperBoundInGap:0.#} units in the gap, {f.UpperBoundByDeadline:0.#} by the deadline");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"upper bound, non-anticipative (expected units when draws are learned as they end): {f.NonAnticipativeBoundInGap:0.#} in the gap, {f.NonAnticipativeBoundByDeadline:0.#} by the deadline");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"upper bound, non-anticipative with each disk's adaptive optimum (a failed pass reads again): {f.AdaptiveBoundInGap:0.#} in the gap, {f.AdaptiveBoundByDeadline:0.#} by the deadline{(f.AdaptiveDisksFellBack > 0 ? $" ({f.AdaptiveDisksFellBack} disk(s) too large for it keep the knapsack)" : "")}");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"% ub = of the tighter valid bound ({f.TighterInGap} in the gap, {f.TighterByDeadline} by the deadline); lower bound on makespan {Runner.Hours(f.LowerBoundSeconds)} (last seed bound by {f.LowerBoundBinding})");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"{"strategy",-26} {"in gap",8} {"% ub",6} {"by dl",8} {"% ub",6} {"miss gap",8} {"miss dl",7} {"makespan",10} {"ratio",6} {"k2pow>cap s",11} {"2-reader disk-s",15} {"failed",6}");
        foreach (var s in f.Strategies)
        {
            var ratio = double.IsFinite(s.MakespanRatio) ? s.MakespanRatio.ToString("0.000", CultureInfo.InvariantCulture) : "stuck";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{s.Strategy,-26} {s.UnitsInGap,8:0.#} {Percent(s.UnitsInGap, f.TighterBoundInGap),6} {s.UnitsByDeadline,8:0.#} {Percent(s.UnitsByDeadline, f.TighterBoundByDeadline),6} {s.MissedGap,8:0.#} {s.MissedDeadline,7:0.#} {Runner.Hours(s.MakespanSeconds),10} {ratio,6} {s.K2PowOverCapSeconds,11:0} {s.TwoReaderDiskSeconds,15:0} {s.FailedPasses,6:0.#}");
        }

        // The expected-units bounds are compared with a mean over N seeds: show how far that mean may be from its
        // expectation.
        if (f.Strategies.Count > 0 && f.Strategies[0].UnitsInGapPerSeed.Count > 1)
        {
            sb.AppendLine("units in the gap per seed: min–max, standard error of the mean");
            foreach (var s in f.Strategies)
            {
                var seeds = s.UnitsInGapPerSeed;
                var mean = seeds.Average();
                var error = Math.Sqrt(seeds.Sum(x => (x - mean) * (x - mean)) / (seeds.Count - 1) / seeds.Count);
                sb.AppendLine(CultureInfo.InvariantCulture, $"{s.Strategy,-26} {seeds.Min(),8:0.#}–{seeds.Max():0.#} ± {error:0.#}");
            }
        }

        return sb.ToString();
    }

    private static string Percent(double value, double bound) =>
        bound > 0 ? Percentage(value, bound).ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static double Percentage(double value, double bound) => bound > 0 ? 100 * value / bound : 0;
}
