using PostFleet.Core.Configuration;
using PostFleet.Core.Launch;

namespace PostFleet.Core.Tests.Configuration;

/// <summary>k2pow: the remote pool, its router and who uses it; every mistake named by its key path.</summary>
public class K2PowSectionTests
{
    [Fact]
    public void Without_the_section_every_service_runs_k2pow_locally()
    {
        var spec = ConfigText.Load(ConfigText.Minimal).Spec!;

        Assert.Null(spec.K2Pow);
        Assert.DoesNotContain("--remote-k2pow", PostServiceCommandLine.Build(spec.Services.First(), spec));
    }

    [Fact]
    public void Every_key_is_read_and_services_get_the_router_or_their_own_worker()
    {
        var spec = ConfigText.Load(ConfigText.With("""
            k2pow:
              listen: 10.0.0.2:9130
              url: http://fleet.lan:9130
              allow-from: [10.0.0.0/24, 10.0.1.7]
              parallelism: 6
              backoff: 2s
              max-pow: 3
              poll: 500ms
              disks: [diskA]
              workers:
                - { url: http://10.0.0.7:3000, cores: 16, hash-rate: 6000 }
                - http://10.0.0.8:3000
              managed: { binary: ../bin/k2pow-service, count: 2, cores: 4, randomx-mode: light, listen: 127.0.0.1:3200 }
              direct:
                - { service: diskB_post1, url: http://10.0.0.9:3000 }
            """)).Spec!;
        var pool = spec.K2Pow!;

        Assert.Equal("10.0.0.2:9130", pool.Listen.ToString());
        Assert.Equal("http://fleet.lan:9130/", pool.ServiceUrl.ToString());
        Assert.Equal((6, TimeSpan.FromSeconds(2), 3, TimeSpan.FromMilliseconds(500)), (pool.Parallelism, pool.Backoff, pool.MaxPow, pool.Poll));
        Assert.Equal(["worker-1", "worker-2", "k2pow-1", "k2pow-2"], pool.AllWorkers.Select(w => w.Name));
        Assert.Equal(["http://10.0.0.7:3000/", "http://10.0.0.8:3000/", "http://127.0.0.1:3200/", "http://127.0.0.1:3201/"], pool.AllWorkers.Select(w => w.Url.ToString()));
        Assert.Equal((16, 6000.0), (pool.Workers[0].Cores!.Value, pool.Workers[0].HashRate!.Value));
        Assert.Equal("/srv/fleet/bin/k2pow-service", pool.Managed!.Binary);
        Assert.Equal(["-b", "127.0.0.1:3201", "--cores", "4", "--randomx-mode", "light"], pool.Managed.Arguments(1));

        var a1 = PostServiceCommandLine.Build(spec.FindService("diskA_post1")!, spec);
        Assert.Equal(["--remote-k2pow", "http://fleet.lan:9130", "--remote-k2pow-parallelism", "6", "--remote-k2pow-backoff", "2"], a1.Skip(a1.ToList().IndexOf("--remote-k2pow")));
        var b1 = PostServiceCommandLine.Build(spec.FindService("diskB_post1")!, spec);
        Assert.Equal(["--remote-k2pow", "http://10.0.0.9:3000", "--remote-k2pow-parallelism", "1", "--remote-k2pow-backoff", "2"], b1.Skip(b1.ToList().IndexOf("--remote-k2pow")));
        Assert.False(pool.Routes(spec.FindService("diskB_post1")!));
    }

    [Fact]
    public void Defaults_route_every_disk_through_a_loopback_router_with_a_slot_per_worker()
    {
        var pool = ConfigText.Load(ConfigText.With("""
            k2pow:
              workers: [http://127.0.0.1:3000, http://127.0.0.1:3001, http://127.0.0.1:3002]
            """)).Spec!.K2Pow!;

        Assert.Equal("127.0.0.1:9130", pool.Listen.ToString());
        Assert.Equal("http://127.0.0.1:9130/", pool.ServiceUrl.ToString());
        Assert.Equal((3, 3, TimeSpan.FromSeconds(5)), (pool.Parallelism, pool.MaxPow, pool.Backoff));
        Assert.Empty(pool.Disks);
    }

    [Theory]
    [InlineData("k2pow: { }", "k2pow", "has no worker")]
    [InlineData("k2pow: { workers: [ftp://10.0.0.7:3000] }", "k2pow.workers[0]", "scheme 'ftp'")]
    [InlineData("k2pow: { workers: [{ url: http://10.0.0.7 }] }", "k2pow.workers[0].url", "has no port")]
    [InlineData("k2pow: { workers: [{ url: http://10.0.0.7:3000, cores: 300 }] }", "k2pow.workers[0].cores", "from 0 to 255")]
    [InlineData("k2pow: { workers: [{ url: http://10.0.0.7:3000, hash-rate: fast }] }", "k2pow.workers[0].hash-rate", "measured RandomX hashes per second")]
    [InlineData("k2pow: { workers: [http://127.0.0.1:3000, http://127.0.0.1:3000] }", "k2pow.workers[1].url", "already used by k2pow.workers[0].url")]
    [InlineData("k2pow: { workers: [http://127.0.0.1:9130] }", "k2pow.workers[0].url", "already used by k2pow.listen")]
    [InlineData("k2pow: { listen: 0.0.0.0:9130, workers: [http://10.0.0.7:3000] }", "k2pow.listen", "k2pow.allow-from")]
    [InlineData("k2pow: { listen: fleet.lan:9130, workers: [http://10.0.0.7:3000] }", "k2pow.listen", "the listener binds an IP")]
    [InlineData("k2pow: { allow-from: [10.0.0.0/33], workers: [http://10.0.0.7:3000] }", "k2pow.allow-from[0]", "10.0.0.0/24")]
    [InlineData("k2pow: { backoff: 1500ms, workers: [http://10.0.0.7:3000] }", "k2pow.backoff", "whole seconds")]
    [InlineData("k2pow: { parallelism: 0, workers: [http://10.0.0.7:3000] }", "k2pow.parallelism", "from 1 to 256")]
    [InlineData("k2pow: { disks: [diskZ], workers: [http://10.0.0.7:3000] }", "k2pow.disks[0]", "'diskZ' is not a disk")]
    [InlineData("k2pow: { direct: [{ service: nobody, url: http://10.0.0.7:3000 }] }", "k2pow.direct[0].service", "is not a service")]
    [InlineData("k2pow: { managed: { cores: 2 } }", "k2pow.managed.count", "how many k2pow-service processes")]
    [InlineData("k2pow: { managed: { count: 2, listen: 127.0.0.1:65535 } }", "k2pow.managed.listen", "no room for 2 workers")]
    [InlineData("k2pow: { managed: { count: 2, randomx-mode: turbo } }", "k2pow.managed.randomx-mode", "fast, light")]
    [InlineData("k2pow: { managed: { count: 1 }, workers: [http://127.0.0.1:3100] }", "k2pow.managed.listen (worker 1)", "already used by k2pow.workers[0].url")]
    [InlineData("k2pow: { workers: [http://10.0.0.7:3000], cpus: 4 }", "k2pow.cpus", "")]
    public void A_mistake_is_named_by_its_path(string section, string path, string message)
    {
        var error = ConfigText.SingleError(ConfigText.With(section));

        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
