using PostFleet.Bench;
using PostFleet.Core.Configuration;

namespace PostFleet.Bench.Tests;

/// <summary>Passes that find no proof: drawn per (seed, epoch, identity, pass), so every strategy meets the same ones.</summary>
public sealed class FailedPassTests
{
    [Theory]
    [InlineData(16, 0.674)]
    [InlineData(128, 0.0430)]
    [InlineData(288, 0.00082)]
    public void A_pass_fails_with_the_chance_post_service_md_gives_for_the_nonces(int nonces, double expected)
    {
        var t = Suite.Tiny($"nonces: {nonces}\nhosts: [ {{ name: h, disks: [ {{ name: d, mib-s: 100, identities: [ {{ name: a, units: 1 }} ] }} ] }} ]\n");

        Assert.Equal(expected, t.PassFailureProbability, expected / 50);
    }

    [Fact]
    public void Each_failed_pass_costs_another_k2pow_and_a_read_of_all_the_data()
    {
        var t = Suite.Load("demo");
        var failures = new PassFailures(t, 1);
        FleetModel? last = null;

        var result = Runner.Run(t, new AllAtOnce(), epochs: 1, onStep: (m, _) => last = m, failures: failures);

        var failed = t.Identities.ToDictionary(i => i.Index, i => Enumerable.Range(0, 1000).TakeWhile(k => failures.Fails(0, i, k)).Count());
        Assert.True(result.Finished);
        Assert.True(failed.Values.Sum() > 0);
        Assert.Equal(failed.Values.Sum(), result.FailedPasses);
        foreach (var disk in t.Disks)
        {
            var expected = t.Identities.Where(i => i.Disk == disk.Index).Sum(i => t.DataBytes(i) * (1 + failed[i.Index]));
            Assert.Equal(1.0, last!.DiskBytesRead[disk.Index] / expected, 6);
        }

        Assert.Equal(1.0, last!.PoolHashes.Sum() / t.Identities.Sum(i => t.K2PowHashes(i) * (1 + failed[i.Index])), 6);
    }

    /// <summary>Exclusive mode predicts the model exactly (no shared disk, k2pow within its slots), so with every reader holding a slot no re-entry can go over.</summary>
    [Theory]
    [MemberData(nameof(Suite.Small), MemberType = typeof(Suite))]
    public void With_max_pow_risk_0_exclusive_postfleet_never_goes_over_max_pow_even_when_passes_fail(string name)
    {
        var t = Suite.Load(name);

        var result = Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Exclusive, maxPowRiskPercent: 0), failures: new PassFailures(t, 1));

        Assert.True(result.Finished);
        Assert.Equal(0, result.OverPowSlotsSeconds);
        Assert.True(result.PeakK2Pow <= t.PowSlots(0), $"peak {result.PeakK2Pow} > {t.PowSlots(0)}");
    }

    /// <summary>
    /// 16 nonces: two passes in three fail, so a successor timed to a read would mostly share the disk with that
    /// reader's next pass. Pipelined mode waits for the disk there, and is no slower than exclusive mode.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Pipelined_postfleet_does_not_time_a_successor_to_a_pass_that_likely_fails(int seed)
    {
        var t = Suite.Load("demo");
        var failures = new PassFailures(t, seed);

        var pipelined = Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Pipelined), failures: failures);
        var exclusive = Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Exclusive), failures: failures);

        Assert.True(pipelined.FailedPasses > 0);
        Assert.Equal(0, pipelined.OverlapSeconds);
        Assert.True(pipelined.Makespan <= exclusive.Makespan + 1e-6, $"pipelined {pipelined.Makespan:0} > exclusive {exclusive.Makespan:0}");
    }
}
