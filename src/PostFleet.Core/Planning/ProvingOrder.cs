using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// Where a proof is expected to land (spacemesh-node.md §7): inside the cycle gap it keeps this epoch and the
/// next PoET round; after the gap but before the proof deadline (end of the publish epoch) it keeps this epoch
/// only; after the deadline it is worth nothing. Ordered best first.
/// </summary>
public enum ProofOutlook
{
    InGap = 0,
    BeforeDeadline = 1,
    WillMiss = 2,
}

/// <summary>Seconds from now to the end of the cycle gap and to the proof deadline (null: not known).</summary>
public readonly record struct ProvingWindow(double GapSecondsLeft, double? DeadlineSecondsLeft);

/// <summary>
/// One proof to place: its service, the seconds of one k2pow and of one full read, and for a service already
/// started the part of each still to do (then it is committed, not admitted). <see cref="Window"/> is its own
/// node's window when the fleet serves several nodes (null: the window given to <see cref="ProvingOrder.Admit"/>).
/// </summary>
public readonly record struct ProofWork(ServiceSpec Service, double K2Pow, double Read, bool Started = false, double K2PowLeft = 0, double ReadLeft = 0)
{
    public ProvingWindow? Window { get; init; }
}

/// <summary>
/// The one ordering of the window's proofs that the planner, <c>postfleet plan</c> and <c>/api/v1/forecast</c> all use.
/// When everything fits, every proof is <see cref="ProofOutlook.InGap"/> and the order is the schedule's own
/// (finish as early as possible). When it does not, proofs are admitted to the gap largest first (units are what
/// is paid for; a large identity is never left out to make room for a smaller one) while each resource still has
/// room for them: the disk's reads after its first k2pow, the k2pow slots' work followed by at least one read, and
/// the identity's own k2pow and read. What is left is admitted against the proof deadline the same way, and what
/// does not fit there either will miss. The checks are the capacities the upper bound uses (docs/scheduling.md),
/// with k2pow taken at the length it stays under with chance <see cref="FinishChance.Level"/> (it is random), so a
/// proof is deferred, never dropped, when only short draws would let it fit.
/// </summary>
public static class ProvingOrder
{
    /// <summary>
    /// The outlook of every proof in <paramref name="work"/>; <paramref name="powSlots"/> 0 = no k2pow cap (the CPU
    /// is not checked). <paramref name="k2powHidden"/>: pipelined mode, where a disk's next k2pow runs behind the
    /// read before it; in exclusive mode the disk waits through every k2pow, so each one counts on the disk too.
    /// <paramref name="k2powDraws"/>: exponential draws per k2pow (<see cref="FinishChance.Draws"/>); a proof is
    /// admitted only if it finishes with chance <see cref="FinishChance.Level"/> (0: k2pow taken as exact).
    /// </summary>
    public static Dictionary<string, ProofOutlook> Admit(IReadOnlyList<ProofWork> work, int powSlots, ProvingWindow window, bool k2powHidden = true, int k2powDraws = 0)
    {
        double Variance(double k2pow) => k2powDraws > 0 ? FinishChance.K2PowVariance(k2pow, k2powDraws) : 0;

        // The proofs are handled by their index in `work`: a ProofWork is a large struct, and each round copied all.
        var outlook = new Dictionary<string, ProofOutlook>(work.Count, StringComparer.Ordinal);
        var diskEnd = new Dictionary<string, double>(StringComparer.Ordinal);
        var firstK2Pow = new Dictionary<string, double>(StringComparer.Ordinal);
        double cpu = 0, cpuVariance = 0;
        var shortestRead = double.PositiveInfinity;
        foreach (var i in StartedSoonestDone(work))
        {
            var w = work[i];
            var end = Math.Max(diskEnd.GetValueOrDefault(w.Service.Disk), w.K2PowLeft) + w.ReadLeft;
            diskEnd[w.Service.Disk] = end;
            if (powSlots > 0)
            {
                cpu += w.K2PowLeft / powSlots;
                cpuVariance += Variance(w.K2PowLeft) / powSlots / powSlots;
            }

            outlook[w.Service.Name] = Classify(end, w.Window ?? window);
        }

        var pending = new List<int>(work.Count);
        for (var i = 0; i < work.Count; i++)
        {
            var w = work[i];
            if (!w.Started)
            {
                pending.Add(i);
                firstK2Pow[w.Service.Disk] = Math.Min(firstK2Pow.GetValueOrDefault(w.Service.Disk, double.PositiveInfinity), w.K2Pow);
                shortestRead = Math.Min(shortestRead, w.Read);
            }
        }

        var byUnits = LargestFirst(work, pending);
        var rest = new List<int>(byUnits.Count);
        foreach (var limitOf in Limits)
        {
            rest.Clear();
            foreach (var i in byUnits)
            {
                // Each proof against its own node's gap and deadline: the disks and k2pow slots are shared.
                var w = work[i];
                var limit = limitOf(w.Window ?? window);
                var disk = Math.Max(diskEnd.GetValueOrDefault(w.Service.Disk), firstK2Pow[w.Service.Disk]) + w.Read + (k2powHidden || !diskEnd.ContainsKey(w.Service.Disk) ? 0 : w.K2Pow);
                var cpuAfter = cpu + (powSlots > 0 ? w.K2Pow / powSlots : 0);
                var cpuVarianceAfter = cpuVariance + (powSlots > 0 ? Variance(w.K2Pow) / powSlots / powSlots : 0);

                // Its own k2pow and read, and the slots' queue with it followed by a read, each sure enough to end in time.
                var fits = limit.Item2 is not { } left
                    || (FinishChance.Sure(w.K2Pow, Variance(w.K2Pow)) + w.Read <= left && disk <= left
                        && (powSlots == 0 || FinishChance.Sure(cpuAfter, cpuVarianceAfter) + shortestRead <= left));
                if (!fits)
                {
                    rest.Add(i);
                    continue;
                }

                outlook[w.Service.Name] = limit.Item1;
                diskEnd[w.Service.Disk] = disk;
                cpu = cpuAfter;
                cpuVariance = cpuVarianceAfter;
            }

            (byUnits, rest) = (rest, byUnits);
        }

        foreach (var i in byUnits)
        {
            outlook[work[i].Service.Name] = ProofOutlook.WillMiss;
        }

        return outlook;
    }

    /// <summary>The gap, then the deadline: what a proof is admitted against in each round, and the outlook it then has.</summary>
    private static readonly Func<ProvingWindow, (ProofOutlook, double?)>[] Limits =
        [v => (ProofOutlook.InGap, v.GapSecondsLeft), v => (ProofOutlook.BeforeDeadline, v.DeadlineSecondsLeft)];

    /// <summary>The indices of the started proofs, the soonest done first (the first of equals first).</summary>
    private static List<int> StartedSoonestDone(IReadOnlyList<ProofWork> work)
    {
        var started = new List<(double Left, int Index)>();
        for (var i = 0; i < work.Count; i++)
        {
            if (work[i].Started)
            {
                started.Add((work[i].K2PowLeft + work[i].ReadLeft, i));
            }
        }

        // By what is left, then by place: the order a stable sort gives.
        started.Sort(static (a, b) => a.Left.CompareTo(b.Left) is var c and not 0 ? c : a.Index.CompareTo(b.Index));
        return started.ConvertAll(s => s.Index);
    }

    /// <summary>
    /// The indices of the proofs to admit, largest first; ties keep the caller's order (config order), so plans are
    /// stable. Several nodes: the proofs of the node whose gap closes sooner first (each work carries its node's
    /// window; one node: all equal).
    /// </summary>
    private static List<int> LargestFirst(IReadOnlyList<ProofWork> work, List<int> pending)
    {
        pending.Sort((a, b) =>
        {
            var (x, y) = (work[a], work[b]);
            var c = (x.Window?.GapSecondsLeft ?? 0).CompareTo(y.Window?.GapSecondsLeft ?? 0);
            if (c == 0)
            {
                c = (x.Window?.DeadlineSecondsLeft ?? 0).CompareTo(y.Window?.DeadlineSecondsLeft ?? 0);
            }

            if (c == 0)
            {
                c = y.Service.NumUnits.CompareTo(x.Service.NumUnits);
            }

            return c != 0 ? c : a.CompareTo(b);
        });
        return pending;
    }

    /// <summary>
    /// The window from <paramref name="now"/>: what is left of the gap (0 once it closed) and until the deadline.
    /// Null without a window (no network clock yet): then nothing is judged and every proof counts as in the gap.
    /// </summary>
    public static ProvingWindow? WindowAt(Timeline.CycleGapWindow? gap, DateTimeOffset now) =>
        gap is { } g ? new ProvingWindow(Math.Max(0, (g.Closes - now).TotalSeconds), Math.Max(0, (g.ProofDeadline - now).TotalSeconds)) : null;

    private static ProofOutlook Classify(double end, ProvingWindow window) =>
        end <= window.GapSecondsLeft ? ProofOutlook.InGap
        : window.DeadlineSecondsLeft is not { } d || end <= d ? ProofOutlook.BeforeDeadline
        : ProofOutlook.WillMiss;
}
