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
}
