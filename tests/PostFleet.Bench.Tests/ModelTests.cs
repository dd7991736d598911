using PostFleet.Bench;

namespace PostFleet.Bench.Tests;

public sealed class ModelTests
{
    [Theory]
    [MemberData(nameof(Suite.Small), MemberType = typeof(Suite))]
    public void Every_strategy_reads_each_identitys_data_once_and_computes_its_k2pow_once(string name)
    {
        var t = Suite.Load(name);
        foreach (var make in Runner.Suite(t))
        {
            var strategy = make();
            FleetModel? last = null;
            var result = Runner.Run(t, strategy, epochs: 2, onStep: (m, _) => last = m);

            Assert.True(result.Finished, $"{strategy.Name} on {name} did not finish");
            Assert.NotNull(last);
            foreach (var job in last.Jobs)
            {
                Assert.Equal(JobPhase.Done, job.Phase);
                Assert.Equal(0, job.BytesLeft);
                Assert.Equal(0, job.HashesLeft);
            }

            if (result.LostRuns == 0)
            {
                foreach (var disk in t.Disks)
                {
                    var expected = t.Identities.Where(i => i.Disk == disk.Index).Sum(t.DataBytes);
                    Assert.Equal(1.0, last.DiskBytesRead[disk.Index] / expected, 6);
                }

                var hashes = t.Identities.Sum(t.K2PowHashes);
                Assert.Equal(1.0, last.PoolHashes.Sum() / hashes, 6);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Suite.Small), MemberType = typeof(Suite))]
    public void No_strategy_exceeds_the_caps_it_claims_at_any_step(string name)
    {
        var t = Suite.Load(name);
        foreach (var make in Runner.Suite(t))
        {
            var strategy = make();
            var steps = 0;
            Runner.Run(t, strategy, epochs: 2, onStep: (m, s) =>
            {
                steps++;
                var caps = s.Caps;
                foreach (var disk in t.Disks)
                {
                    Assert.True(caps.ReadersPerDisk is not { } r || m.ReadersOf(disk.Index) <= r, $"{s.Name}: {m.ReadersOf(disk.Index)} readers on {disk.Name} at {m.Now:0}s");
                }

                foreach (var host in t.Hosts)
                {
                    var pow = m.JobsOf(host.Index).Count(j => j.Phase == JobPhase.K2Pow);
                    Assert.True(caps.K2PowPerHost is not { } k || pow <= k, $"{s.Name}: {pow} in k2pow on {host.Name}");
                    Assert.True(caps.RunningPerHost is not { } n || m.RunningOn(host.Index) <= n, $"{s.Name}: {m.RunningOn(host.Index)} running on {host.Name}");
                }
            });
            Assert.True(steps > 0);
        }
    }

    [Fact]
    public void Two_readers_share_a_disk_with_the_seek_penalty()
    {
        var t = Suite.Tiny("""
            nonces: 16
            gib-per-unit: 1
            hashes-per-unit-group: 0
            hosts:
              - name: h
                cores: 1
                disks:
                  - { name: d, mib-s: 100, penalty: 0.5, identities: [ { name: a, units: 1 }, { name: b, units: 1 } ] }
            """);
        var result = Runner.Run(t, new AllAtOnce(), epochs: 1);

        // 1 GiB each; two readers get 100/2/1.5 MiB/s each: both finish after 1024 / 33.3 s.
        Assert.Equal(1024 / (100.0 / 2 / 1.5), result.Makespan, 6);
        Assert.Equal(2, result.PeakReadersPerDisk);
    }

    [Fact]
    public void Concurrent_k2pow_shares_the_cores()
    {
        var t = Suite.Tiny("""
            nonces: 16
            gib-per-unit: 0.0009765625
            hashes-per-unit-group: 1000
            hosts:
              - name: h
                cores: 2
                hashrate-per-core: 100
                pow-threads: 2
                disks:
                  - { name: d1, mib-s: 1000000, identities: [ { name: a, units: 1 } ] }
                  - { name: d2, mib-s: 1000000, identities: [ { name: b, units: 1 } ] }
            """);
        var result = Runner.Run(t, new AllAtOnce(), epochs: 1);

        // 1000 hashes each; alone one job gets 200 H/s, together 100 H/s each: 10 s, then 1 MiB at 1 TB/s.
        Assert.Equal(10.0, result.Makespan, 3);
        Assert.Equal(2, result.PeakK2Pow);
    }
}
