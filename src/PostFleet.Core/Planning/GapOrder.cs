using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// Exclusive mode's order where the cycle gap cannot hold a disk's work (units proved inside the gap are what is
/// paid, issue 13). Exclusive mode holds a disk through each proof's start-up and k2pow, so a disk's work is its reads
/// left and the k2pow (learned with its start-up) of every proof not started yet, and:
/// <list type="bullet">
/// <item>a disk whose work outlasts the gap loses, for every second it waits for a k2pow slot, what its read would
/// have proved in that second (its read rate, as every unit is the same number of bytes), while a disk with room to
/// spare loses nothing by waiting: such disks take the slots first, the fastest first;</item>
/// <item>on such a disk the largest identity goes first: each proof costs the disk a start-up and a k2pow, so fewer,
/// larger proofs leave more of the gap to reads, and the small ones left for the gap's end fill what remains of it
/// (the one that does not make the gap is a small one, never a large one left for a small one).</item>
/// </list>
/// Only where the disks decide, not the k2pow slots (<see cref="Of"/>).
/// Measured on fleet-400 (10 seeds, exclusive mode): 4,190.4 → 4,239.6 units in the gap (docs/scheduling.md). When
/// every disk's work fits the gap, both keys are 0 and the order is the makespan order it was.
/// </summary>
internal sealed class GapOrder
{
    private readonly StartContext _c;
    private readonly bool _disksDecide;
    private readonly Dictionary<string, double> _work;

    private GapOrder(StartContext c, bool disksDecide, Dictionary<string, double> work)
    {
        _c = c;
        _disksDecide = disksDecide;
        _work = work;
    }

    /// <summary>
    /// This pass's view: each disk's work (<see cref="DiskWorkLeft.Seconds"/> plus the k2pow of its proofs not started),
    /// and whether the disks, not the k2pow slots, are what runs out: the k2pow still to start (over the max-pow slots)
    /// is less than the busiest disk's reads left. Where the CPU decides (cpu-starved: k2pow alone needs more than the
    /// gap), a disk looks over-full only because its proofs wait for k2pow, and a large proof first is a long k2pow
    /// first: there the order stays the one the admission's finish chance works with (cpu-starved lost a 4-unit proof
    /// in one seed in ten without this).
    /// </summary>
    public static GapOrder Of(FleetSpec spec, FleetSnapshot snapshot, StartContext c)
    {
        var work = new Dictionary<string, double>(c.DiskWork.Seconds, StringComparer.Ordinal);
        double k2powLeft = 0;
        foreach (var service in spec.Services)
        {
            if (!c.Memory[service.Name].Delivered && snapshot.NodeStateOf(service.Name) == Model.NodePostState.Proving
                && snapshot.LiveRun(service.Name) is null && c.Estimates.StartAndK2PowOf(service) is { } k)
            {
                k2powLeft += k.TotalSeconds;
                work[service.Disk] = work.GetValueOrDefault(service.Disk) + k.TotalSeconds;
            }
        }

        return new GapOrder(c, k2powLeft / Math.Max(1, spec.Schedule.MaxPow) <= c.DiskWork.Busiest, work);
    }

    /// <summary>Sort key of the service's disk: its read rate, negated, when its work may outlast the gap; else 0.</summary>
    public double DiskKey(ServiceSpec service) => AtStake(service) ? -(_c.Estimates.ReadRateOf(service.Disk) ?? 0) : 0;

    /// <summary>Sort key on the disk: its units, negated, when its disk's work may outlast the gap; else 0.</summary>
    public double OnDiskKey(ServiceSpec service) => AtStake(service) ? -(double)service.NumUnits : 0;

    /// <summary>
    /// Where the disks decide, the disk's work (with its spread) reaches past the gap's end, judged against the
    /// service's own node's window; without a window, or without read estimates, nothing is at stake.
    /// </summary>
    private bool AtStake(ServiceSpec service) =>
        _disksDecide
        && _c.Snapshot.For(service.Name).Window is not null
        && _c.Outlook.WindowOf(service.Name) is { } window
        && GapStakes.MayOutlast(_work.GetValueOrDefault(service.Disk), window.GapSecondsLeft);
}
