using PostFleet.Core.Configuration;
using PostFleet.Core.Launch;

namespace PostFleet.Core.Tests.Configuration;

/// <summary><c>nodes:</c>: several named nodes, and which node each disk's and service's identities belong to.</summary>
public sealed class NodesSectionTests
{
    private const string TwoNodes = """
        nodes:
          - name: node-a
            post-listener: http://127.0.0.1:9094
            public-listener: http://127.0.0.1:9092
            data-dir: ../node_a
            poet: { phase-shift: 240h, cycle-gap: 12h }
          - name: node-b
            post-listener: http://127.0.0.1:9194
            public-listener: http://127.0.0.1:9192
            data-dir: ../node_b
            poet: { phase-shift: 96h, cycle-gap: 12h }
        disks:
          - name: diskA
            node: node-a
            services:
              - { name: a1, dir: ../post/a1, num-units: 4, operator: 127.0.0.1:10051 }
              - { name: b1, dir: ../post/b1, num-units: 4, operator: 127.0.0.1:10052, node: node-b }
          - name: diskB
            services:
              - { name: a2, dir: ../post/a2, num-units: 4, operator: 127.0.0.1:10053 }
          - name: diskC
            node: node-b
            services:
              - { name: b2, dir: ../post/b2, num-units: 4, operator: 127.0.0.1:10054 }
        """;

    [Fact]
    public void Each_identity_belongs_to_its_services_node_else_its_disks_else_the_first()
    {
        var spec = ConfigText.Load(TwoNodes).Spec!;

        Assert.Equal(["node-a", "node-b"], spec.Nodes.Select(n => n.Name));
        Assert.True(spec.HasSeveralNodes);
        Assert.Equal("node-a", spec.NodeOf(spec.FindService("a1")!).Name);
        Assert.Equal("node-b", spec.NodeOf(spec.FindService("b1")!).Name);
        Assert.Equal("node-a", spec.NodeOf(spec.FindService("a2")!).Name);
        Assert.Equal("node-b", spec.NodeOf(spec.FindService("b2")!).Name);
        Assert.Equal(TimeSpan.FromHours(96), spec.NodeOf(spec.FindService("b2")!).Poet.PhaseShift);
        Assert.Equal("/srv/fleet/node_b", spec.NodeOf(spec.FindService("b1")!).DataDir);
    }

    [Fact]
    public void A_post_service_dials_its_own_nodes_post_listener()
    {
        var spec = ConfigText.Load(TwoNodes).Spec!;

        string AddressOf(string service)
        {
            var arguments = PostServiceCommandLine.Build(spec.FindService(service)!, spec);
            return arguments[arguments.ToList().IndexOf("--address") + 1];
        }

        Assert.Equal("http://127.0.0.1:9094", AddressOf("a1"));
        Assert.Equal("http://127.0.0.1:9194", AddressOf("b1"));
        Assert.Equal("http://127.0.0.1:9194", AddressOf("b2"));
    }

    [Fact]
    public void For_one_node_the_fleet_keeps_only_that_nodes_identities_and_disks()
    {
        var spec = ConfigText.Load(TwoNodes).Spec!;

        var b = spec.ForNode(spec.Nodes[1]);

        Assert.Equal("node-b", b.Node.Name);
        Assert.Single(b.Nodes);
        Assert.Equal(["b1", "b2"], b.Services.Select(s => s.Name));
        Assert.Equal(["diskA", "diskC"], b.Disks.Select(d => d.Name));
    }

    [Fact]
    public void The_single_node_section_is_one_node_named_node()
    {
        var spec = ConfigText.Load(ConfigText.Minimal).Spec!;

        var node = Assert.Single(spec.Nodes);
        Assert.Equal("node", node.Name);
        Assert.False(spec.HasSeveralNodes);
        Assert.All(spec.Services, s => Assert.Null(s.Node));
    }

    [Fact]
    public void Both_node_and_nodes_is_an_error()
    {
        var error = ConfigText.SingleError(TwoNodes + "\nnode:\n  post-listener: http://127.0.0.1:9094\n  data-dir: ../node_data\n");

        Assert.Equal("nodes", error.Path);
        Assert.Contains("node: and nodes: are both given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_node_name_is_an_error_naming_the_first()
    {
        var error = ConfigText.SingleError(TwoNodes.Replace("name: node-b", "name: node-a", StringComparison.Ordinal).Replace("node: node-b", "node: node-a", StringComparison.Ordinal));

        Assert.Equal("nodes[1].name", error.Path);
        Assert.Contains("already used by nodes[0].name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    node: node-a\n    services:\n      - { name: a1", "    node: node-c\n    services:\n      - { name: a1", "disks[0].node")]
    [InlineData("operator: 127.0.0.1:10052, node: node-b", "operator: 127.0.0.1:10052, node: nod-b", "disks[0].services[1].node")]
    public void An_unknown_node_is_an_error_naming_the_field(string from, string to, string path)
    {
        var error = ConfigText.SingleError(TwoNodes.Replace(from, to, StringComparison.Ordinal));

        Assert.Equal(path, error.Path);
        Assert.Contains("is not a node in nodes:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_on_a_disk_of_a_one_node_config_says_to_use_nodes()
    {
        var error = ConfigText.SingleError(ConfigText.Minimal.Replace("  - name: diskB\n", "  - name: diskB\n    node: other\n", StringComparison.Ordinal));

        Assert.Equal("disks[1].node", error.Path);
        Assert.Contains("single node: section", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_address_on_a_disk_whose_services_are_on_two_nodes_is_an_error()
    {
        var error = ConfigText.SingleError(TwoNodes.Replace("    node: node-a\n", "    node: node-a\n    node-address: http://127.0.0.1:9094\n", StringComparison.Ordinal));

        Assert.Equal("disks[0].node-address", error.Path);
        Assert.Contains("belong to nodes node-a and node-b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_nodes_list_is_an_error()
    {
        var result = ConfigText.Load(ConfigText.Minimal.Replace("node:\n  post-listener: http://127.0.0.1:9094\n  data-dir: ../node_data\n", "nodes: []\n", StringComparison.Ordinal));

        Assert.Contains(result.Errors, e => e.Path == "nodes" && e.Message.Contains("is empty", StringComparison.Ordinal));
    }
}
