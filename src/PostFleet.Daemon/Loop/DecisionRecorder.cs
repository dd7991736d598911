using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Which decisions go to the history: each change, except that a service moving from one cap wait to another
/// (<see cref="CapWait"/>: "100 post-services running", then "k2pow slots reserved for …", then back) is stored at
/// most once per <see cref="CapWaitInterval"/>. In a 1,000-identity open gap those reasons changed every pass for
/// hundreds of waiting services: 234,000 rows in eight minutes, and most of every pass's history write. Anything
/// else (a start, a stop, a wait of another kind, the first cap wait) is stored in the pass that decides it, so
/// the history still tells when a service began to wait, why, and when it started. Loop thread only.
/// </summary>
public sealed class DecisionRecorder
{
    /// <summary>How often a service's cap wait may be stored again while it goes on.</summary>
    public static readonly TimeSpan CapWaitInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, (DecisionCode Code, DateTimeOffset At)> _stored = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="decision"/> is to be stored now (the caller stores it; it is remembered here).</summary>
    public bool ShouldStore(Decision decision, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (_stored.TryGetValue(decision.ServiceName, out var last)
            && CapWait.Is(last.Code) && CapWait.Is(decision.Code)
            && !Intervals.HavePassed(CapWaitInterval, last.At, at))
        {
            return false;
        }

        _stored[decision.ServiceName] = (decision.Code, at);
        return true;
    }
}
