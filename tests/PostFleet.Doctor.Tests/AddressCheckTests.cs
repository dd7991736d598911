using PostFleet.Core.Configuration;
using PostFleet.Doctor.Checks;

namespace PostFleet.Doctor.Tests;

/// <summary>doctor's address findings: each disk's node and /status addresses as the side that uses them sees them.</summary>
public sealed class AddressCheckTests
{
    [Fact]
    public void Each_disk_says_where_its_services_run_which_node_address_they_dial_and_where_the_daemon_reads_them()
    {
        var result = FleetConfigLoader.Parse("""
            node: { post-listener: http://127.0.0.1:9094, data-dir: node_data }
            runtime: docker
            docker:
              endpoints:
                - { name: local, address: 'unix:///var/run/docker.sock' }
                - { name: host-b, address: 'tcp://10.0.0.12:2376', node-address: 'http://10.0.0.11:9094' }
              disk-endpoints: { diskB: host-b }
            disks:
              - name: diskA
                services: [ { name: a1, dir: post/a1, num-units: 4, operator: 127.0.0.1:50051 } ]
              - name: diskB
                services:
                  - { name: b1, dir: post/b1, num-units: 4, operator: 0.0.0.0:50052 }
                  - { name: b2, dir: post/b2, num-units: 4, operator: 10.0.0.12:50053 }
            """, "/srv/fleet", "/srv/fleet/postfleet.yaml");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var spec = result.Spec!;

        var findings = AddressCheck.Evaluate(spec, spec.Services.ToDictionary(s => s.Name, s => ServicePlacement.Of(spec, s))).ToList();

        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Equal(CheckNames.Addresses, f.Check));
        Assert.Equal("disk diskA (engine 'local' (unix:///var/run/docker.sock), host network)", findings[0].Subject);
        Assert.Equal("services dial the node at 127.0.0.1:9094; the daemon reads their /status at 127.0.0.1:50051", findings[0].Message);
        Assert.Equal("disk diskB (engine 'host-b' (tcp://10.0.0.12:2376/), another machine)", findings[1].Subject);
        Assert.StartsWith("services dial the node at 10.0.0.11:9094; the daemon reads their /status at 10.0.0.12:50052, 10.0.0.12:50053 (", findings[1].Message, StringComparison.Ordinal);
        Assert.Contains("check on that host that 10.0.0.11:9094 reaches the node", findings[1].Message, StringComparison.Ordinal);
    }
}
