using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>
/// `--sim-watch-pid`: the demo starts its node in a session of its own, where no terminal hang-up reaches it, so the
/// node ends itself, cleanly, once the process it watches is gone.
/// </summary>
public sealed class WatchPidTests
{
    [Fact]
    public async Task The_node_shuts_down_cleanly_once_the_watched_process_is_gone()
    {
        await using var starter = ChildProcess.Start("sleep", ["600"]);
        await using var node = await NodeProcess.StartAsync(["alpha"], extraArgs: ["--sim-watch-pid", starter.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.False(node.Process.HasExited);

        starter.Signal(Posix.SigKill);
        Assert.Equal(0, await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"process {starter.Id} is gone", node.Process.StandardOutput, StringComparison.Ordinal);
        await node.WaitForRecordAsync("node-stopped");
    }
}
