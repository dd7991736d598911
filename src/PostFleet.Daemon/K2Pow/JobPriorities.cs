using PostFleet.Daemon.Loop;

namespace PostFleet.Daemon.K2Pow;

/// <summary>
/// Gives the router the planner's order after every pass. All identities of one node share one proof deadline, so
/// "the proof due soonest" is the planner's start order (its window order: in the gap first, then by the deadline,
/// "prove now" before all): the run started earliest was the planner's first choice, and a service back in k2pow for
/// another pass keeps its place. Services without a live run follow in config order; unknown miners come last.
/// </summary>
public sealed class JobPriorities(K2PowRouter router) : IPassListener
{
    public void OnPass(PassReport pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        router.SetPriorities(Rank(pass));
    }

    public static IReadOnlyDictionary<string, JobPriority> Rank(PassReport pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var started = pass.Observation.Runs.Where(r => r.Running).GroupBy(r => r.ServiceName).ToDictionary(g => g.Key, g => g.Min(r => r.StartedAt), StringComparer.Ordinal);
        var order = pass.Fleet.Services
            .Select((service, index) => (service.Name, index))
            .OrderBy(s => started.TryGetValue(s.Name, out var at) ? 0 : 1)
            .ThenBy(s => started.TryGetValue(s.Name, out var at) ? at : DateTimeOffset.MaxValue)
            .ThenBy(s => s.index)
            .Select(s => s.Name)
            .ToList();
        var ranks = new Dictionary<string, JobPriority>(StringComparer.Ordinal);
        for (var rank = 0; rank < order.Count; rank++)
        {
            if (pass.Observation.Identities.TryGetValue(order[rank], out var identity))
            {
                ranks[identity.Id.Hex] = new JobPriority(order[rank], rank);
            }
        }

        return ranks;
    }
}
