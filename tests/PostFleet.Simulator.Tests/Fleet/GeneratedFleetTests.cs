using PostFleet.Simulator.Common;
using PostFleet.Simulator.Fleet;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.Fleet;

/// <summary>The generated fleets of `postfleet demo --identities N --disks D --hosts H`, laid out as files.</summary>
public sealed class GeneratedFleetTests
{
    [Fact]
    public void A_thousand_identities_spread_evenly_over_two_hundred_disks_and_four_hosts()
    {
        var disks = new FleetShape(1000, 200, 4).Layout(1024, 1024);

        Assert.Equal(200, disks.Count);
        Assert.All(disks, d => Assert.Equal(5, d.Services.Count));
        Assert.Equal(1000, disks.SelectMany(d => d.Services).Select(s => s.Name).Distinct().Count());
        Assert.Equal(new[] { "host0", "host1", "host2", "host3" }, disks.Select(d => d.Host!).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal("h3d007", disks[7].Name);
        Assert.Equal("h3d007_2", disks[7].Services[2].Name);
        Assert.All(disks.SelectMany(d => d.Services), s => Assert.InRange(s.NumUnits, 1u, 3u));
        // Uneven counts differ by one at most.
        Assert.Equal(new[] { 4, 3, 3 }, new FleetShape(10, 3, 1).Layout(1, 1).Select(d => d.Services.Count));
    }

    [Theory]
    [InlineData(0, 1, 1, "--identities 0")]
    [InlineData(10, 11, 1, "--disks 11")]
    [InlineData(10, 5, 6, "--hosts 6")]
    public void A_shape_that_cannot_be_laid_out_names_its_flag(int identities, int disks, int hosts, string flag) =>
        Assert.StartsWith(flag + ":", new FleetShape(identities, disks, hosts).Problem(), StringComparison.Ordinal);

    [Fact]
    public void Each_host_gets_its_folder_with_its_cpu_and_postfleet_yaml_names_the_disk_s_host()
    {
        using var root = new TempDirectory("pf-gen");
        var port = 30000;
        var fleet = SimulatedFleet.Create(new SimulatedFleetOptions(root.Path, "/usr/bin/postfleet", new FleetShape(12, 4, 2).Layout(1024, 1024))
        {
            FreePort = () => port++,
        });

        Assert.True(File.Exists(Path.Combine(fleet.DisksDir, "host0", HostProfile.FileName)));
        Assert.True(File.Exists(Path.Combine(fleet.DisksDir, "host1", "h1d001", DiskProfile.FileName)));
        Assert.Equal(Path.Combine(fleet.DisksDir, "host1", "h1d003", "h1d003_2"), fleet.DataDir("h1d003_2"));
        Assert.Equal(2, fleet.ServiceRecords.Count());
        var yaml = File.ReadAllText(fleet.FleetConfig);
        Assert.Contains("  - name: h1d003\n    host: host1\n", yaml, StringComparison.Ordinal);
        Assert.Contains("dir: disks/host1/h1d003/h1d003_2", yaml, StringComparison.Ordinal);
        // The wrapper keeps the PID (exec) and the lean runtime settings, each only when the caller set none.
        var wrapper = File.ReadAllText(Path.Combine(root.Path, "bin", "post-service"));
        Assert.Contains(": \"${DOTNET_GCgen0size:=0x200000}\"", wrapper, StringComparison.Ordinal);
        Assert.Contains("exec '/usr/bin/postfleet' sim post-service \"$@\"", wrapper, StringComparison.Ordinal);
    }
}
