using System.Globalization;
using PostFleet.Core.Model;
using PostFleet.Daemon.Loop;
using Spectre.Console;

namespace PostFleet.Cli.Demo;

/// <summary>
/// Counts, per publish epoch, which identities delivered their NiPoST proof, says when an epoch is complete, and
/// signals when the requested number of complete epochs is reached.
/// </summary>
internal sealed class DemoProgress(IAnsiConsole console, int identities, int epochsWanted) : IPassListener
{
    private readonly Dictionary<uint, HashSet<NodeId>> _delivered = [];
    private readonly HashSet<uint> _complete = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Done => _done.Task;

    public IReadOnlyCollection<uint> CompleteEpochs => _complete;

    public void OnPass(PassReport pass)
    {
        foreach (var completed in pass.Observation.Events.OfType<NodeEvent.PostCompleted>().Where(e => !e.ChallengeHex.All(c => c == '0')))
        {
            // Each identity's epoch by its own node's clock (several nodes run on phases apart).
            if (TimelineOf(pass, completed.Smesher) is not { } timeline)
            {
                continue;
            }

            var epoch = timeline.Clock.EpochAt(completed.Time);
            if (!_delivered.TryGetValue(epoch, out var set))
            {
                _delivered[epoch] = set = [];
            }

            set.Add(completed.Smesher);
            if (set.Count == identities && _complete.Add(epoch))
            {
                var gap = timeline.CycleGap(epoch);
                var margin = gap.Closes - completed.Time;
                console.MarkupLine($"[bold green]publish epoch {epoch}: all {identities} proofs delivered[/], the last {margin.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s before the cycle gap closed ({_complete.Count} complete epoch(s))");
            }
        }

        if (epochsWanted > 0 && _complete.Count >= epochsWanted)
        {
            _done.TrySetResult();
        }
    }

    private static Core.Timeline.NetworkTimeline? TimelineOf(PassReport pass, NodeId smesher) =>
        pass.Observation.Nodes.FirstOrDefault(n => n.Identities.Values.Any(i => i.Id == smesher)) is { } node ? pass.TimelineOf(node.Name) : pass.Timeline;
}
