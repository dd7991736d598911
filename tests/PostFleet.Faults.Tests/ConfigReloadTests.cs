using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>The config file edited while the daemon runs: an invalid edit is refused (last good kept), a valid one applied.</summary>
public sealed class ConfigReloadTests
{
    [Fact]
    public async Task An_invalid_edit_keeps_the_last_good_config_and_a_later_valid_edit_is_applied()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        var full = File.ReadAllText(fleet.FleetConfig);

        // Start with b1 left out of the config: the node wants it, the daemon does not know it.
        File.WriteAllText(fleet.FleetConfig, fleet.Yaml(only: ["a1"]));
        await fleet.StartAsync();
        await fleet.WaitForDeliveriesAsync(["a1"], 1);
        Assert.Empty(fleet.Delivered("b1"));

        // An invalid edit: refused, reported in the log and the history; the daemon goes on.
        File.WriteAllText(fleet.FleetConfig, full.Replace("per-disk: 1", "per-disk: -3", StringComparison.Ordinal));
        await Eventually.UntilAsync(() => fleet.History("SELECT kind FROM daemon_events WHERE kind = 'config-rejected'").Count == 1, () => "config-rejected in the history; " + fleet.Describe());
        await fleet.Daemon!.WaitForOutputAsync("keeping the last good configuration");
        Assert.False(fleet.Daemon.HasExited);
        Assert.Empty(fleet.Delivered("b1"));

        // A valid edit (b1 added back): applied, and b1 is proved.
        File.WriteAllText(fleet.FleetConfig, full);
        await Eventually.UntilAsync(() => fleet.History("SELECT kind FROM daemon_events WHERE kind = 'config-applied'").Count == 1, () => "config-applied in the history; " + fleet.Describe());
        await fleet.WaitForDeliveriesAsync(["b1"], 1);
    }
}
