using System.Globalization;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// Pipelined mode times a successor's start-up and k2pow to end as its disk's reader finishes. When that reader's
/// pass finds no proof, the reader re-enters k2pow and then reads all its data again, beside the successor: two
/// readers at penalty p lose about 2p × the shorter read (large-2000: 1.10–1.17 × the bound in the seeds where this
/// met the fleet's busiest disks). The failed pass cannot be stopped (post-service starts again at its first nonces,
/// so a restart would repeat the pass that failed), but the successor has only just begun: its start-up and k2pow
/// and the little it read are all a stop loses, and it does them again, timed to the reread's end. So it is stopped
/// when that costs less than the overlap it avoids. It is the one stop of a PROVING service the planner makes on its
/// own: bounded (a first pass, a start-up and a k2pow), and only against a worse, certain loss.
/// </summary>
internal static class ReentryYield
{
    /// <summary>A successor to stop, the reader whose failed pass it yields to, and the trade in seconds.</summary>
    internal readonly record struct Yield(ServiceSpec Successor, string Reader, double LostSeconds, double SavedSeconds);

    /// <summary>Successors that should give their disk back in this pass (pipelined mode only; none otherwise).</summary>
    public static IReadOnlyList<Yield> Find(FleetSpec spec, FleetSnapshot observed, IReadOnlyDictionary<string, ServiceMemory> memory, Func<ProvingEstimates> estimates)
    {
        if (spec.Schedule.Mode != ScheduleMode.Pipelined)
        {
            return [];
        }

        List<Yield>? yields = null;
        ProvingEstimates? known = null;
        foreach (var disk in spec.Disks)
        {
            // Cheap first: a re-entry in k2pow (a pass after the first, at position 0) and a first pass on one disk.
            ServiceSpec? reentered = null;
            List<ServiceSpec>? first = null;
            foreach (var s in disk.Services)
            {
                if (observed.LiveRun(s.Name) is null || memory.GetValueOrDefault(s.Name) is not { Delivered: false, StopRequestedAt: null } m
                    || observed.NodeStateOf(s.Name) != NodePostState.Proving || observed.StatusOf(s.Name) is not ServiceStatus.Proving p)
                {
                    continue;
                }

                if (p.NonceStart > 0 && p.InK2Pow && m.PassK2Pow is { } mark && mark.NonceStart == p.NonceStart)
                {
                    reentered = s; // seen reading its previous pass, so it read all the data and failed
                }
                else if (p.NonceStart == 0)
                {
                    (first ??= []).Add(s);
                }
            }

            if (reentered is null || first is null)
            {
                continue;
            }

            known ??= estimates();
            foreach (var successor in first)
            {
                if (Trade(successor, reentered, observed, known, spec) is { } trade && trade.SavedSeconds > trade.LostSeconds)
                {
                    (yields ??= []).Add(trade);
                }
            }
        }

        return yields ?? (IReadOnlyList<Yield>)[];
    }

    /// <summary>
    /// What stopping the successor loses (its start-up, its k2pow, the seconds it has read) against what it saves
    /// (the overlap with the reread: 2p × the shorter of the reread and the successor's read left); null without
    /// estimates for both reads and the successor's k2pow.
    /// </summary>
    internal static Yield? Trade(ServiceSpec successor, ServiceSpec reader, FleetSnapshot observed, ProvingEstimates known, FleetSpec spec)
    {
        if (known.ReadSeconds(successor, spec.Post) is not { } read || known.ReadSeconds(reader, spec.Post) is not { } reread
            || known.StartAndK2PowOf(successor) is not { } before || observed.StatusOf(successor.Name) is not ServiceStatus.Proving p)
        {
            return null;
        }

        var done = read * Math.Min(1, p.Position / (double)Math.Max(1UL, ServicePhases.DataBytes(successor, spec.Post)));
        var saved = 2 * known.TwoReaderPenaltyOf(successor.Disk) * Math.Min(reread, read - done);
        return new Yield(successor, reader.Name, before.TotalSeconds + done, saved);
    }

    public static string Reason(Yield y, string disk) => string.Create(CultureInfo.InvariantCulture,
        $"stopping: {y.Reader}'s pass on disk {disk} found no proof and reads all its data again; reading beside it would lose about {Durations.Format(TimeSpan.FromSeconds(Math.Round(y.SavedSeconds)))}, more than this run's start-up, k2pow and read so far ({Durations.Format(TimeSpan.FromSeconds(Math.Round(y.LostSeconds)))}), which it does again once the disk frees up");
}
