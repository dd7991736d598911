using System.Collections.Immutable;

namespace PostFleet.Core.Planning;

/// <summary>The outcome of one pass: what to do, why, what to remember, and when to look again.</summary>
public sealed record Plan(
    ImmutableArray<PlannedAction> Actions,
    ImmutableArray<Decision> Decisions,
    PlannerMemory Next,
    TimeSpan RequeueAfter)
{
    public Decision DecisionFor(string service) => Decisions.First(d => d.ServiceName == service);

    /// <summary>
    /// The estimates this pass's starts were judged with, when it needed any (null otherwise): what
    /// <see cref="ProvingEstimates.Combine"/> gives for <see cref="Next"/>, so the loop's listeners need not combine
    /// them again (at 1,000 identities that is building three dictionaries of a thousand entries each).
    /// </summary>
    public ProvingEstimates? Estimates { get; init; }
}
