namespace PostFleet.Core.Planning;

/// <summary>
/// A service that would start but for a shared cap: its disk, the k2pow slots (or their reserve) or max-running.
/// Which cap binds, and who holds it, moves with every start, k2pow end and stop in the fleet, so with hundreds
/// waiting in an open gap these reasons change every pass while nothing about the service itself does.
/// </summary>
public static class CapWait
{
    public static bool Is(DecisionCode code) =>
        code is DecisionCode.WaitingForDisk or DecisionCode.WaitingForPow or DecisionCode.WaitingForPowReserve or DecisionCode.WaitingForRunningSlot;

    /// <summary>The same for a code as the API and the history spell it (its enum name); false for anything else.</summary>
    public static bool Is(string? code) => Enum.TryParse<DecisionCode>(code, out var parsed) && !int.TryParse(code, out _) && Is(parsed);
}
