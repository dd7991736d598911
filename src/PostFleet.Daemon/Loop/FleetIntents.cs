using PostFleet.Core.Planning;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// What the user asked for (pause, forced stops, prove now, skip an epoch). Commands only change this desired
/// state and trigger a pass; the loop carries them out. They never call a runtime directly.
/// </summary>
public sealed class FleetIntents
{
    private readonly Lock _gate = new();
    private FleetIntentState _current = FleetIntentState.None;

    public event Action? Changed;

    public FleetIntentState Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public void Update(Func<FleetIntentState, FleetIntentState> change)
    {
        lock (_gate)
        {
            _current = change(_current);
        }

        Changed?.Invoke();
    }
}

/// <summary>The per-service intents of the planner plus the fleet-wide pause.</summary>
public sealed record FleetIntentState(bool FleetPaused, UserIntents PerService)
{
    public static readonly FleetIntentState None = new(false, UserIntents.None);

    /// <summary>What the planner sees: a paused fleet is every service paused.</summary>
    public UserIntents ForPlanner(IEnumerable<string> services) =>
        FleetPaused ? PerService with { Paused = PerService.Paused.Union(services) } : PerService;
}
