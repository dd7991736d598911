using PostFleet.Testing;

namespace PostFleet.Bench.Tests;

/// <summary>`bench schedule --strategies`: the suite's short names, checked before anything runs.</summary>
public sealed class StrategySelectionTests
{
    private static readonly Topology Demo = Topology.Load(Path.Combine(RepoPaths.Root, "bench", "topologies", "demo.yaml"));

    [Fact]
    public void Every_strategy_of_the_suite_has_a_key_and_keys_select_in_the_suites_order()
    {
        var suite = Runner.NamedSuite(Demo, sensitivity: true);
        Assert.Equal([.. StrategySelection.Keys, .. StrategySelection.SensitivityKeys], suite.Select(s => s.Key));

        var (keys, error) = StrategySelection.Parse(["pipelined,demo-dag", "exclusive"], sensitivity: false);

        Assert.Null(error);
        var selected = StrategySelection.Select(Runner.NamedSuite(Demo), keys);
        Assert.Equal(["demo-dag", "postfleet(exclusive)", "postfleet(pipelined)"], selected.Select(s => s.Make().Name));
    }

    [Fact]
    public void Without_the_flag_every_strategy_runs()
    {
        var (keys, error) = StrategySelection.Parse(null, sensitivity: false);

        Assert.Null(error);
        Assert.Equal(Runner.Suite(Demo).Count, StrategySelection.Select(Runner.NamedSuite(Demo), keys).Count);
    }

    [Theory]
    [InlineData("postfleet", false, "--strategies postfleet: no such strategy; known: demo-dag, psm, sm-psm, all-at-once, exclusive, pipelined")]
    [InlineData("k2pow-x0.8", false, "--strategies k2pow-x0.8: no such strategy (that one needs --sensitivity); known:")]
    [InlineData(" , ", false, "--strategies: no strategy named; known: demo-dag")]
    public void A_bad_name_is_an_error_naming_the_flag_and_the_known_names(string value, bool sensitivity, string message)
    {
        var (keys, error) = StrategySelection.Parse([value], sensitivity);

        Assert.Null(keys);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void With_sensitivity_its_strategies_can_be_named()
    {
        var (keys, error) = StrategySelection.Parse(["k2pow-x1.25"], sensitivity: true);

        Assert.Null(error);
        Assert.Equal(["postfleet(k2pow est x1.25)"], StrategySelection.Select(Runner.NamedSuite(Demo, sensitivity: true), keys).Select(s => s.Make().Name));
    }
}
