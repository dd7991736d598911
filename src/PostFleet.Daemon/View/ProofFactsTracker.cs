using PostFleet.Core.Model;
using PostFleet.Daemon.Loop;

namespace PostFleet.Daemon.View;

/// <summary>
/// Follows each service across passes to learn what no single observation says: how long k2pow took (from the
/// first k2pow pass to the first read), how long the last proof took (run start to the node's postComplete), and
/// whether the node reported a failure in the current round.
/// </summary>
internal sealed class ProofFactsTracker
{
    private readonly Dictionary<string, State> _states = [];

    public IReadOnlyDictionary<string, ProofFacts> Facts =>
        _states.ToDictionary(p => p.Key, p => new ProofFacts(p.Value.Failed, p.Value.K2PowSeconds, p.Value.LastProofSeconds, p.Value.LastDeliveredAt));

    public void Observe(PassReport pass)
    {
        var observation = pass.Observation;
        var names = observation.Identities.Values.ToDictionary(i => i.Id, i => i.Name);
        foreach (var service in pass.Fleet.Services)
        {
            var state = StateOf(service.Name);
            var run = observation.Runs.FirstOrDefault(r => r.ServiceName == service.Name && r.Running);
            observation.Statuses.TryGetValue(service.Name, out var status);
            var phase = ServicePhases.Of(status, run is not null);
            if (run is not null && run.InstanceId != state.RunId)
            {
                (state.RunId, state.RunStartedAt, state.K2PowSince) = (run.InstanceId, run.StartedAt, null);
            }

            if (phase == ServicePhase.K2Pow && state.K2PowSince is null)
            {
                state.K2PowSince = observation.At;
            }
            else if (phase == ServicePhase.Reading && state.K2PowSince is { } since)
            {
                state.K2PowSeconds = (observation.At - since).TotalSeconds;
                state.K2PowSince = null;
            }
        }

        foreach (var e in observation.Events)
        {
            var (smesher, kind) = e switch
            {
                NodeEvent.PostStarted s => (s.Smesher, 's'),
                NodeEvent.PostCompleted c => (c.Smesher, 'c'),
                NodeEvent.PostFailed f => (f.Smesher, 'f'),
                _ => (default(NodeId?), ' '),
            };
            if (smesher is not { } id || !names.TryGetValue(id, out var name))
            {
                continue;
            }

            var state = StateOf(name);
            switch (kind)
            {
                case 's':
                    state.Failed = false;
                    break;
                case 'c':
                    state.Failed = false;
                    state.LastDeliveredAt = e.Time;
                    state.LastProofSeconds = state.RunStartedAt is { } started && e.Time >= started ? (e.Time - started).TotalSeconds : null;
                    break;
                case 'f':
                    state.Failed = true;
                    break;
            }
        }
    }

    private State StateOf(string name)
    {
        if (!_states.TryGetValue(name, out var state))
        {
            _states[name] = state = new State();
        }

        return state;
    }

    private sealed class State
    {
        public string? RunId { get; set; }

        public DateTimeOffset? RunStartedAt { get; set; }

        public DateTimeOffset? K2PowSince { get; set; }

        public double? K2PowSeconds { get; set; }

        public double? LastProofSeconds { get; set; }

        public DateTimeOffset? LastDeliveredAt { get; set; }

        public bool Failed { get; set; }
    }
}
