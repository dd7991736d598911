using PostFleet.Core.Planning;
using PostFleet.InProcess.Tests.Fakes;

namespace PostFleet.InProcess.Tests;

/// <summary>max-pow with passes that fail: the k2pow reservation, and the pipelined handover on one disk.</summary>
public sealed class K2PowTests
{
    [Fact]
    public async Task A_reader_whose_pass_may_fail_keeps_its_k2pow_slot_and_max_pow_holds_through_the_re_entry()
    {
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions
        {
            Services = [("a1", "diskA"), ("b1", "diskB")],
            Schedule = ["max-pow: 1"],
            Faults = new Dictionary<string, ServiceFault> { ["a1"] = ServiceFault.FailFirstPass },
        });

        await fleet.RunUntilDeliveredAsync(1);

        // Whichever started first read while the other was held for it, named as the reservation.
        var reserved = fleet.Passes.SelectMany(p => p.Plan.Decisions).Where(d => d.Code == DecisionCode.WaitingForPowReserve).ToList();
        Assert.NotEmpty(reserved);
        Assert.Contains(reserved, d => d.Reason.StartsWith("waiting: k2pow slot reserved for ", StringComparison.Ordinal));
        // a1 re-entered k2pow for its next nonces (its first pass failed), and never with another service in k2pow.
        Assert.Contains(fleet.Passes, p => p.Observation.Statuses.GetValueOrDefault("a1") is Core.Model.ServiceStatus.Proving { NonceStart: 16, InK2Pow: true });
        Assert.All(fleet.Samples, s => Assert.True(s.InK2Pow <= 1, $"{s.At:T}: {s.InK2Pow} in k2pow"));
    }

    [Fact]
    public async Task Pipelined_the_successor_s_k2pow_overlaps_the_read_and_the_disk_never_has_two_readers()
    {
        // 288 nonces: a pass fails with 0.08% odds, so pipelining is worth it once the first epoch taught the estimates.
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions
        {
            Services = [("a1", "diskA"), ("a2", "diskA")],
            Schedule = ["mode: pipelined"],
            Nonces = 288,
            K2Pow = TimeSpan.FromSeconds(4),
        });
        await fleet.RunUntilDeliveredAsync(1);
        var secondEpoch = fleet.Passes.Count;

        await fleet.RunUntilDeliveredAsync(2);

        var starts = fleet.Passes.Skip(secondEpoch).Where(p => p.Outcomes.Any(o => o.Action is PlannedAction.StartService)).ToList();
        Assert.Equal(2, starts.Count);
        var (first, second) = (starts[0].Outcomes.Single().Service, starts[1].Outcomes.Single().Service);
        var firstDelivered = fleet.Node.Events.OfType<Core.Model.NodeEvent.PostCompleted>().Single(e => e.Smesher == FakeNode.IdOf(first) && e.Time > starts[0].Observation.At).Time;
        Assert.True(starts[1].Observation.At < firstDelivered, $"{second} started at {starts[1].Observation.At:T}, after {first} delivered at {firstDelivered:T}: no handover");
        Assert.Contains(fleet.Samples, s => s.At > starts[1].Observation.At && s.At < firstDelivered && s.InK2Pow == 1 && s.ReadersPerDisk.GetValueOrDefault("diskA") == 1);
        Assert.All(fleet.Samples, s => Assert.True(s.ReadersPerDisk.GetValueOrDefault("diskA") <= 1, $"{s.At:T}: two readers on diskA"));
    }
}
