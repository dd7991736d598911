using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// Exclusive mode with more disks than k2pow slots: the disk with the most estimated reads left gets the slot first
/// (its last read ends last); without estimates the config order stands. Where a disk's reads outlast the cycle gap
/// (<see cref="GapOrder"/>), such disks go first, the fastest first, and on them the largest identity.
/// </summary>
public class ExclusiveOrderTests
{
    private const double Hour = 3600;

    // 1 unit = 16 KiB (Fleet's post settings): at 16384/3600 B/s a unit reads in an hour.
    private const double UnitPerHour = 16384 / Hour;
    [Fact]
    public void The_disk_with_the_most_reads_left_starts_first_when_k2pow_slots_are_short()
    {
        var spec = Spec(Limits(maxPow: 1), [("diskA", ["a1", "a2"]), ("diskB", ["b1", "b2", "b3"])]);
        var world = new WorldView().Proving("a1", "a2", "b1", "b2", "b3");
        var prior = new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty,
            ImmutableDictionary<string, double>.Empty.Add("diskA", 400).Add("diskB", 400));

        var plan = Planner.Decide(spec, world.Snapshot(T0), PlannerMemory.Empty with { Prior = prior }, T0);

        Assert.Equal(["b1"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForPow, plan.Code("a1"));
    }

    [Fact]
    public void Without_estimates_the_config_order_stands()
    {
        var spec = Spec(Limits(maxPow: 1), [("diskA", ["a1", "a2"]), ("diskB", ["b1", "b2", "b3"])]);
        var world = new WorldView().Proving("a1", "a2", "b1", "b2", "b3");

        var plan = Planner.Decide(spec, world.Snapshot(T0), PlannerMemory.Empty, T0);

        Assert.Equal(["a1"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForPow, plan.Code("b1"));
    }

    /// <summary>
    /// diskA holds 14 h of reads (a1 2 SU, a2 4 SU, a3 8 SU, in config order) and the gap has 12 h: each proof costs the
    /// disk its k2pow as well, so a3 and a1 make the gap and a2 does not. Config order would read a1 first and leave
    /// the largest proof for later, where a slow read or a failed pass pushes it out; the largest goes first. With
    /// room for every read the config order stands.
    /// </summary>
    [Fact]
    public void On_a_disk_whose_reads_outlast_the_gap_the_largest_identity_starts_first()
    {
        var (spec, prior) = OneDiskOf14Hours(maxPow: 0, k2powMinutes: 1);

        var plan = DecideAtOpening(spec, prior, gapHours: 12);
        Assert.Equal(["a3"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForDisk, plan.Code("a1"));

        Assert.Equal(["a1"], DecideAtOpening(spec, prior, gapHours: 24).Started());
    }

    /// <summary>
    /// diskA reads 11 h (2, 3 and 6 SU) in a 12 h gap: the reads alone fit with room for their spread, but exclusive
    /// mode holds the disk through each proof's k2pow too (40 min each here), and with those the disk's work outlasts
    /// the gap: the largest goes first. With 20 s of k2pow the disk has room, and the config order stands.
    /// </summary>
    [Theory]
    [InlineData(40.0, "a3")]
    [InlineData(1.0 / 3, "a1")]
    public void In_exclusive_mode_a_disks_work_counts_the_k2pow_it_waits_through(double k2powMinutes, string first)
    {
        var (spec, prior) = OneDiskOf14Hours(maxPow: 0, k2powMinutes);
        spec = WithUnits(spec, ("a1", 2), ("a2", 3), ("a3", 6));

        Assert.Equal([first], DecideAtOpening(spec, prior, gapHours: 12).Started());
    }

    /// <summary>
    /// One k2pow slot; diskA reads 16 h (4 proofs of 4 SU at 1 SU an hour), diskB 14 h at twice the rate (7 proofs of
    /// 4 SU), the gap 12 h: both disks lose proofs for every second they wait, diskB twice as many units per second,
    /// so diskB gets the slot though diskA has more reads left. When everything fits (a 48 h gap) the disk with the
    /// most reads left goes first, as before.
    /// </summary>
    [Fact]
    public void Disks_whose_reads_outlast_the_gap_take_the_k2pow_slot_fastest_first()
    {
        var spec = Spec(Limits(maxPow: 1), [("diskA", ["a1", "a2", "a3", "a4"]), ("diskB", ["b1", "b2", "b3", "b4", "b5", "b6", "b7"])]);
        var prior = new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty,
            ImmutableDictionary<string, double>.Empty.Add("diskA", UnitPerHour).Add("diskB", 2 * UnitPerHour));

        var plan = DecideAtOpening(spec, prior, gapHours: 12);
        Assert.Equal(["b1"], plan.Started());
        Assert.Equal(DecisionCode.WaitingForPow, plan.Code("a1"));

        Assert.Equal(["a1"], DecideAtOpening(spec, prior, gapHours: 48).Started());
    }

    /// <summary>
    /// The same disk as above, but each proof's k2pow takes 8 h on one slot: 24 h of k2pow against 14 h of reads, so
    /// the CPU decides what makes the gap and the disk looks over-full only because its proofs wait for k2pow. A large
    /// proof first would be a long k2pow first: the order stays the makespan order (config order on one disk).
    /// </summary>
    [Theory]
    [InlineData(1.0, new[] { "a3", "a2", "a1" })]
    [InlineData(480.0, new[] { "a1", "a2", "a3" })]
    public void Largest_first_only_where_the_disks_not_the_k2pow_slots_decide(double k2powMinutes, string[] expected)
    {
        var (spec, prior) = OneDiskOf14Hours(maxPow: 1, k2powMinutes);
        var snapshot = new WorldView().Proving("a1", "a2", "a3").Snapshot(T0) with { Window = Gap(12) };
        var memory = spec.Services.ToDictionary(s => s.Name, s => PlannerMemory.Empty.For(s.Name), StringComparer.Ordinal);
        var context = new StartContext(spec, snapshot, memory, Occupancy.Measure(spec, snapshot, memory, T0), T0)
        {
            Prior = prior,
            ByName = spec.Services.ToDictionary(s => s.Name, StringComparer.Ordinal),
        };

        Assert.Equal(expected, Planner.StartOrder(spec, snapshot, context).Select(s => s.Name));
    }

    /// <summary>diskA: a1 2 SU, a2 4 SU, a3 8 SU in config order, read at 1 SU an hour (14 h), each k2pow as given.</summary>
    private static (FleetSpec Spec, ProvingEstimates Prior) OneDiskOf14Hours(int maxPow, double k2powMinutes) =>
        (WithUnits(Spec(Limits(maxPow: maxPow), [("diskA", ["a1", "a2", "a3"])]), ("a1", 2), ("a2", 4), ("a3", 8)),
         new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty.AddRange(new[] { "a1", "a2", "a3" }.Select(n => KeyValuePair.Create(n, TimeSpan.FromMinutes(k2powMinutes)))),
            ImmutableDictionary<string, double>.Empty.Add("diskA", UnitPerHour)));

    /// <summary>One pass at the gap's opening, every identity PROVING, with the prior's estimates.</summary>
    private static Plan DecideAtOpening(FleetSpec spec, ProvingEstimates prior, double gapHours) =>
        Planner.Decide(spec, new WorldView().Proving([.. spec.Services.Select(s => s.Name)]).Snapshot(T0) with { Window = Gap(gapHours) }, PlannerMemory.Empty with { Prior = prior }, T0);

    private static CycleGapWindow Gap(double hours) => new(2, T0, T0.AddHours(hours - 1), T0.AddHours(hours), T0.AddHours(2 * hours));

    private static FleetSpec WithUnits(FleetSpec spec, params (string Name, uint Units)[] units) => spec with
    {
        Disks = [.. spec.Disks.Select(d => d with { Services = [.. d.Services.Select(s => units.FirstOrDefault(u => u.Name == s.Name) is { Name: not null } u ? s with { NumUnits = u.Units } : s)] })],
    };
}
