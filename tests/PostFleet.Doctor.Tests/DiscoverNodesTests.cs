using PostFleet.Core.Configuration;
using PostFleet.Core.Init;
using PostFleet.Core.Model;
using PostFleet.Doctor.Discovery;
using PostFleet.Testing;

namespace PostFleet.Doctor.Tests;

/// <summary>`postfleet discover` for several nodes: the flags per node, the plan keeping each identity's node, the written nodes: config.</summary>
public sealed class DiscoverNodesTests : IDisposable
{
    private readonly TempDirectory _dir = new("pf-discover-nodes");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void One_node_keeps_its_defaults_and_several_pair_their_flags_in_order()
    {
        var (one, oneError) = DiscoveryNodes.Parse(["127.0.0.1:9094"], [], [], []);
        Assert.Null(oneError);
        var single = Assert.Single(one);
        Assert.Equal(("node", "http://127.0.0.1:9092/", (string?)null), (single.Name, single.PublicListener.ToString(), single.DataDir));

        var (two, twoError) = DiscoveryNodes.Parse(["a=http://127.0.0.1:9094", "b=127.0.0.1:9194"], ["127.0.0.1:9092", "127.0.0.1:9192"], ["127.0.0.1:9093", "127.0.0.1:9193"], ["/d/a", "/d/b"]);
        Assert.Null(twoError);
        Assert.Equal(["a", "b"], two.Select(n => n.Name));
        Assert.Equal(["http://127.0.0.1:9194/", "http://127.0.0.1:9192/", "http://127.0.0.1:9193/", "/d/b"], [two[1].PostListener.ToString(), two[1].PublicListener.ToString(), two[1].PrivateListener.ToString(), two[1].DataDir!]);
    }

    [Theory]
    [InlineData(new[] { "127.0.0.1:9094", "b=127.0.0.1:9194" }, 2, 2, 0, "with several nodes give each as NAME=URL")]
    [InlineData(new[] { "a=127.0.0.1:9094", "a=127.0.0.1:9194" }, 2, 2, 0, "the name a is given twice")]
    [InlineData(new[] { "a=127.0.0.1:9094", "b=127.0.0.1:9194" }, 0, 2, 0, "--public: give it once per --node, in the same order (2 --node, 0 --public)")]
    [InlineData(new[] { "a=127.0.0.1:9094", "b=127.0.0.1:9194" }, 2, 1, 0, "--private: give it once per --node")]
    [InlineData(new[] { "a=127.0.0.1:9094", "b=127.0.0.1:9194" }, 2, 2, 1, "--node-data-dir: give it once per --node")]
    public void Flags_that_do_not_pair_up_say_which_and_how(string[] nodes, int publics, int privates, int dataDirs, string expected)
    {
        var (parsed, error) = DiscoveryNodes.Parse(nodes, [.. Enumerable.Repeat("127.0.0.1:1", publics)], [.. Enumerable.Repeat("127.0.0.1:2", privates)], [.. Enumerable.Repeat("/d", dataDirs)]);
        Assert.Empty(parsed);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_identity_keeps_its_node_and_the_written_config_has_nodes_with_each_service_on_its_own()
    {
        var (a1, b1, shared) = (Id(1), Id(2), Id(3));
        var dirs = new[] { Data("diskA", "a1", a1), Data("diskA", "b1", b1), Data("diskB", "shared", shared) };
        IReadOnlyList<NodeIdentities> asked =
        [
            new("node-a", [new IdentityState("a1", a1, NodePostState.Idle), new IdentityState("shared", shared, NodePostState.Idle)]),
            new("node-b", [new IdentityState("b1", b1, NodePostState.Idle), new IdentityState("shared", Id(4), NodePostState.Idle)]),
        ];

        var plan = DiscoveryPlanner.Plan(asked, dirs, d => d.Root, 50051);

        var services = plan.Disks.SelectMany(d => d.Services).ToDictionary(s => s.Name, s => s.Node);
        Assert.Equal(new Dictionary<string, string?> { ["a1"] = "node-a", ["b1"] = "node-b", ["shared"] = "node-a" }, services);
        Assert.Contains(plan.Notes, n => n.Contains("identity 'shared' of node node-b skipped: node node-a carries an identity of that name too", StringComparison.Ordinal));
        Assert.Equal(Id(4), Assert.Single(plan.UnmatchedIdentities).Id);

        var nodes = new[]
        {
            new DiscoveryNode("node-a", new Uri("http://127.0.0.1:9094"), new Uri("http://127.0.0.1:9092"), new Uri("http://127.0.0.1:9093"), _dir.Combine("node-a")),
            new DiscoveryNode("node-b", new Uri("http://127.0.0.1:9194"), new Uri("http://127.0.0.1:9192"), new Uri("http://127.0.0.1:9193"), _dir.Combine("node-b")),
        };
        var inputs = new DiscoveryInputs(nodes[0].PostListener, nodes[0].PublicListener, nodes[0].PrivateListener, nodes[0].DataDir, [_dir.Path], null) { Nodes = nodes };
        var output = _dir.Combine("postfleet.yaml");
        var yaml = DiscoveryYaml.Write(plan, inputs, output, DateTimeOffset.UnixEpoch);

        var loaded = FleetConfigLoader.Parse(yaml, _dir.Path, output);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors) + "\n" + yaml);
        var spec = loaded.Spec!;
        Assert.Equal(["node-a", "node-b"], spec.Nodes.Select(n => n.Name));
        Assert.Equal(new Uri("http://127.0.0.1:9194"), spec.NodeNamed("node-b").PostListener);
        Assert.Equal(_dir.Combine("node-b"), spec.NodeNamed("node-b").DataDir);
        Assert.Equal(["a1", "shared"], spec.ServicesOf(spec.NodeNamed("node-a")).Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["b1"], spec.ServicesOf(spec.NodeNamed("node-b")).Select(s => s.Name));
    }

    private static NodeId Id(int n) => new(n.ToString("x2", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0'));

    private FoundDataDir Data(string disk, string name, NodeId id)
    {
        var dir = Path.Combine(_dir.Path, disk, name);
        Directory.CreateDirectory(dir);
        var base64 = Convert.ToBase64String(Convert.FromHexString(id.Hex));
        return new FoundDataDir(Path.Combine(_dir.Path, disk), dir, new PostMetadata(base64, base64, 64, 4, 4096, null));
    }
}
