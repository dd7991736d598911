using PostFleet.Core.Configuration;
using PostFleet.Core.Init;

namespace PostFleet.Init;

/// <summary>
/// After keys are installed: does the running node know them? go-spacemesh reads identities/ only at start, so a
/// name missing from PostStates means the node must be restarted, and the user is told so plainly.
/// </summary>
internal sealed class NodeRestartCheck(InitDependencies dependencies, IInitReporter reporter)
{
    public async Task<IReadOnlyList<string>> NotCarriedAsync(FleetSpec fleet, IReadOnlyList<string> installed)
    {
        var restartHint = $"go-spacemesh loads identity keys only when it starts: stop the node, make sure {Path.Combine(fleet.Node.DataDir, "identities")} holds no local.key, and start it again.";
        if (dependencies.Node is null)
        {
            reporter.Warning($"could not ask the node whether it carries {string.Join(", ", installed)} (no node client). {restartHint}");
            return installed;
        }

        try
        {
            using var timeout = new CancellationTokenSource(dependencies.NodeTimeout, dependencies.Time);
            var states = await dependencies.Node.GetPostStatesAsync(timeout.Token);
            var missing = NodeKeyRules.NotCarriedByNode(installed, states.Select(s => s.Name));
            if (missing.Count > 0)
            {
                reporter.Warning($"the node does not carry {string.Join(", ", missing)} yet (PostStates at {fleet.Node.PostListener} lacks them). {restartHint}");
            }
            else
            {
                reporter.Info($"the node already carries all {installed.Count} initialised identities.");
            }

            return missing;
        }
        catch (Exception ex)
        {
            reporter.Warning($"could not ask the node at {fleet.Node.PostListener} for PostStates ({ex.Message}). If it was running before the keys were added, restart it: {restartHint}");
            return installed;
        }
    }
}
