using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>A reading service whose pass may end, and so re-enter k2pow, before a candidate's k2pow is over.</summary>
/// <param name="EndsIn">Predicted time to the end of its pass; null when it cannot be predicted.</param>
internal readonly record struct ReservedSlot(string Service, TimeSpan? EndsIn);

/// <summary>
/// Re-entry-aware k2pow slots. max-pow only governs starts, but a service whose pass finds no proof starts its
/// next pass with k2pow on its own, right after it read all its data. A pass that fails reads everything, so when
/// it ends is predictable, and a start whose k2pow would still run then could put max-pow + 1 in k2pow. Such a
/// reader therefore holds a slot against the candidate. Unknown durations count as overlapping: a cap is never
/// exceeded by guessing wrong. Whether the held slots block the start is a question of odds (<see cref="OverCapChance"/>,
/// schedule.max-pow-risk): at 288 nonces a pass fails 0.1% of the time, and idling the CPU for every read that
/// ends would cost far more than the rare overlap.
/// </summary>
internal static class K2PowReservation
{
    public static IReadOnlyList<ReservedSlot> Against(ServiceSpec candidate, StartContext c)
    {
        var k2pow = CandidateK2Pow(candidate, c);
        var timedSuccessor = IsTimedSuccessor(candidate, c);
        var held = new List<ReservedSlot>();
        HashSet<string>? sameResource = c.Spec.K2Pow is null ? null : [.. K2PowResource.Sharing(candidate, [.. c.Readers.Select(r => r.Service)], c)];
        foreach (var reader in c.Readers)
        {
            // A reader that re-enters k2pow elsewhere (local CPU against the pool) takes no slot of the candidate's.
            if (sameResource is not null && !sameResource.Contains(reader.Service))
            {
                continue;
            }

            if (timedSuccessor && reader.Disk == candidate.Disk)
            {
                continue;
            }

            // pipeline-margin pads the candidate's start-up and k2pow: the process start before the first /status
            // answer, and a start-up not learned yet (a prior from before it was learned apart includes it in k2pow).
            if (k2pow is not { } k || reader.EndsIn is not { } endsIn || endsIn < k + c.Spec.Schedule.PipelineMargin)
            {
                held.Add(new ReservedSlot(reader.Service, reader.EndsIn));
            }
        }

        return held;
    }

    /// <summary>
    /// How many readers <see cref="Against"/> would hold, without listing them (<see cref="HeldReaders"/>), and
    /// what names that set: starts in one pass with the same key meet the same holders. Only readers whose k2pow
    /// runs on the candidate's resource count (local CPU, the pool, a direct worker).
    /// </summary>
    public static (int Count, HeldKey Key) CountAgainst(ServiceSpec candidate, StartContext c)
    {
        var resource = K2PowResource.Of(candidate, c.Spec).Key;
        var excluded = IsTimedSuccessor(candidate, c) ? candidate.Disk : null;
        var threshold = CandidateK2Pow(candidate, c) is { } k ? k + c.Spec.Schedule.PipelineMargin : (TimeSpan?)null;
        var (count, key) = c.HeldReadersOn(resource).Count(threshold, excluded);
        return (count, key with { Resource = resource });
    }

    /// <summary>
    /// A pipelined successor is timed to end its k2pow as its disk's reader finishes: if that pass fails the
    /// overlap is about pipeline-margin, while holding the successor back would idle the disk for a whole k2pow
    /// after every read.
    /// </summary>
    private static bool IsTimedSuccessor(ServiceSpec candidate, StartContext c) =>
        c.Spec.Schedule.Mode == ScheduleMode.Pipelined
        && c.Occupancy.ReadersOf(candidate.Disk).Count + c.Occupancy.QueuedOn(candidate.Disk).Count >= c.Spec.Schedule.PerDisk;

    /// <summary>
    /// Every service reading its data now, not delivered and not counted in k2pow, in config order, with when
    /// its pass is predicted to end: its own rate in this pass, else its disk's learned rate, else unknown.
    /// </summary>
    public static IReadOnlyList<PassInProgress> ReadersOf(FleetSpec spec, FleetSnapshot snapshot, IReadOnlyDictionary<string, ServiceMemory> memory,
        Occupancy occupancy, ProvingEstimates estimates, DateTimeOffset now)
    {
        var readers = new List<PassInProgress>();
        foreach (var service in spec.Services)
        {
            var m = memory[service.Name];
            if (snapshot.LiveRun(service.Name) is null || m.Delivered || occupancy.InK2Pow.Contains(service.Name)
                || snapshot.StatusOf(service.Name) is not ServiceStatus.Proving { InK2Pow: false } proving)
            {
                continue;
            }

            var ownRate = m.PassRead is { } mark && mark.NonceStart == proving.NonceStart ? mark.RateAt(proving.Position, now) : null;
            var total = ServicePhases.DataBytes(service, spec.Post);
            var left = total > proving.Position ? total - proving.Position : 0;
            TimeSpan? endsIn = (ownRate ?? estimates.ReadRateOf(service.Disk)) is { } rate ? TimeSpan.FromSeconds(left / rate) : null;
            readers.Add(new PassInProgress(service.Name, service.Disk, endsIn));
        }

        return readers;
    }

    /// <summary>
    /// Its start-up and its own learned k2pow (a fresh start holds a slot from its start: RandomX set-up is CPU work
    /// too); else another's k2pow scaled by units (k2pow work is linear in them); else unknown.
    /// </summary>
    private static TimeSpan? CandidateK2Pow(ServiceSpec candidate, StartContext c)
    {
        if (c.Estimates.StartAndK2PowOf(candidate) is { } own)
        {
            return own;
        }

        return c.K2PowPerUnit is { } perUnit ? c.Estimates.StartupOf(candidate) + (perUnit * candidate.NumUnits) : null;
    }

    /// <summary>
    /// Chance a pass finds no proof: a nonce qualifies when it collects K2 labels where K1 are expected, with
    /// q = P(Poisson(K1) ≥ K2) (≈ 0.02438 on mainnet, post-service.md §4.2); a pass tries all its nonces.
    /// </summary>
    public static double PassFailureChance(PostSettings post)
    {
        double term = Math.Exp(-(double)post.K1);
        double below = 0;
        for (var i = 0; i < post.K2; i++)
        {
            below += term;
            term *= post.K1 / (double)(i + 1);
        }

        var q = Math.Clamp(1 - below, 0, 1);
        return Math.Pow(1 - q, Math.Max(0, post.Nonces));
    }

    /// <summary>Chance that at least <paramref name="free"/> of <paramref name="readers"/> passes fail (binomial tail).</summary>
    public static double OverCapChance(int readers, int free, double failure)
    {
        if (free <= 0 || failure >= 1)
        {
            return readers >= free ? 1 : 0;
        }

        if (readers < free || failure <= 0)
        {
            return 0;
        }

        var term = Math.Pow(1 - failure, readers);
        double below = 0;
        for (var k = 0; k < free; k++)
        {
            below += term;
            term *= (readers - k) / (double)(k + 1) * failure / (1 - failure);
        }

        return Math.Clamp(1 - below, 0, 1);
    }

    /// <summary>The first learned k2pow in config order, per unit; deterministic, and nonces are fleet-wide.</summary>
    public static TimeSpan? PerUnit(FleetSpec spec, ProvingEstimates estimates)
    {
        foreach (var service in spec.Services)
        {
            if (service.NumUnits > 0 && estimates.K2PowOf(service.Name) is { } k)
            {
                return k / service.NumUnits;
            }
        }

        return null;
    }
}

/// <summary>A service reading its data in the current pass, and when that pass is predicted to end.</summary>
internal readonly record struct PassInProgress(string Service, string Disk, TimeSpan? EndsIn);
