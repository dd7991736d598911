using System.Collections.Immutable;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// The decision core of the reconcile loop. Pure: no I/O, no clock, no logging; the same inputs always give the
/// same plan, so every rule is tested as a table and every safety rule as a property.
/// </summary>
public static class Planner
{
    public static Plan Decide(FleetSpec desired, FleetSnapshot observed, PlannerMemory memory, DateTimeOffset now)
    {
        var actions = new List<PlannedAction>();
        var decisions = new Dictionary<string, Decision>(StringComparer.Ordinal);
        var next = new Dictionary<string, ServiceMemory>(StringComparer.Ordinal);

        // 1. Fold what was observed into memory; exited runs are forgotten once their exit is accounted for.
        foreach (var service in desired.Services)
        {
            var (m, exited) = Observations.Fold(service, observed, memory.For(service.Name), desired.Schedule, now);
            next[service.Name] = m;
            if (exited is not null)
            {
                actions.Add(new PlannedAction.ForgetRun(exited));
            }
        }

        ForgetRunsNotInConfig(desired, observed, actions, decisions);

        // 2. Stops first, from what runs now: a stop frees nothing in this pass (the run counts until it exits).
        foreach (var service in desired.Services)
        {
            if (observed.LiveRun(service.Name) is { } run)
            {
                var (action, decision, m) = StopRules.ForLiveRun(service, run, observed, next[service.Name], desired.Schedule, now);
                next[service.Name] = m;
                decisions[service.Name] = decision;
                if (action is not null)
                {
                    actions.Add(action);
                }
            }
        }

        // 3. Starts, in preference order, each taking its slots before the next one is considered.
        var context = new StartContext(desired, observed, next, Occupancy.Measure(desired, observed, next, now), now);
        foreach (var service in StartOrder(desired, observed).Where(s => observed.LiveRun(s.Name) is null))
        {
            if (StartConstraints.FirstBlocker(service, context) is { } blocker)
            {
                decisions[service.Name] = new Decision(service.Name, blocker.Code, blocker.Reason);
                continue;
            }

            context.Occupancy.AddStart(service);
            actions.Add(new PlannedAction.StartService(service.Name));
            decisions[service.Name] = new Decision(service.Name, DecisionCode.Start, StartReason(next[service.Name]));
        }

        var ordered = desired.Services.Select(s => decisions[s.Name]).Concat(decisions.Values.Where(d => desired.FindService(d.ServiceName) is null));
        return new Plan(
            [.. actions],
            [.. ordered],
            new PlannerMemory(next.ToImmutableDictionary(StringComparer.Ordinal)),
            Requeue.After(desired, observed, next, actions, now));
    }

    /// <summary>
    /// "Prove now" first; then the order on each disk (earlier first), taking the first of every disk before the
    /// second of any, so disks start in parallel; ties go by config order, which keeps plans stable.
    /// </summary>
    internal static IEnumerable<ServiceSpec> StartOrder(FleetSpec desired, FleetSnapshot observed) =>
        desired.Disks
            .SelectMany((disk, diskIndex) => disk.Services.Select(service => (service, diskIndex)))
            .OrderBy(x => observed.Intents.ProveNow.Contains(x.service.Name) ? 0 : 1)
            .ThenBy(x => x.service.OrderOnDisk)
            .ThenBy(x => x.diskIndex)
            .Select(x => x.service);

    private static void ForgetRunsNotInConfig(FleetSpec desired, FleetSnapshot observed, List<PlannedAction> actions, Dictionary<string, Decision> decisions)
    {
        foreach (var run in observed.Runs.Values.Where(r => desired.FindService(r.ServiceName) is null).OrderBy(r => r.ServiceName, StringComparer.Ordinal))
        {
            if (!run.Running)
            {
                actions.Add(new PlannedAction.ForgetRun(run));
            }

            decisions[run.ServiceName] = new Decision(
                run.ServiceName,
                DecisionCode.NotInConfig,
                run.Running ? "running but not in the config; left alone (stop it by hand or add it back)" : "exited and not in the config; forgotten");
        }
    }

    private static string StartReason(ServiceMemory m) => m.Restarts switch
    {
        0 => "start: the identity is PROVING and every constraint allows it",
        var n => $"start: the identity is PROVING; restart {n} after a failed run",
    };
}
