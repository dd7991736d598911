namespace PostFleet.Daemon.Loop;

/// <summary>
/// What the user asked for (pause, forced stops, prove now, skip an epoch). Commands only change this desired
/// state and trigger a pass; the loop carries them out. They never call a runtime directly.
/// </summary>
public sealed class FleetIntents
{
    private readonly Lock _gate = new();
    private UserIntentState _current = UserIntentState.None;

    public event Action? Changed;

    public UserIntentState Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public void Update(Func<UserIntentState, UserIntentState> change)
    {
        lock (_gate)
        {
            _current = change(_current);
        }

        Changed?.Invoke();
    }
}

public sealed record UserIntentState(bool Paused, IReadOnlySet<string> ForceStop, IReadOnlySet<string> ProveNow, IReadOnlySet<string> SkipEpoch)
{
    public static readonly UserIntentState None = new(false, new HashSet<string>(), new HashSet<string>(), new HashSet<string>());
}
