using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Alerts;

/// <summary>
/// Pure: (open alerts, the latest view, now) → the alerts open now plus what fired and what resolved. The view
/// carries every fact needed (failed state, restarts, the loop's finish estimate, late deliveries), so the same
/// inputs always give the same answer and tests need no clock.
/// </summary>
public sealed class AlertEvaluator(AlertRules rules)
{
    public AlertEvaluation Evaluate(IReadOnlyList<Alert> open, FleetView view, DateTimeOffset now)
    {
        var active = Conditions(view, now).ToDictionary(a => a.Key);
        var previous = open.ToDictionary(a => a.Key);
        var changes = new List<AlertChange>();
        var stillOpen = new List<Alert>();

        foreach (var alert in open)
        {
            if (active.ContainsKey(alert.Key))
            {
                // Keep the original: "since" and the first summary are what the user was told.
                stillOpen.Add(alert);
            }
            else
            {
                changes.Add(new AlertChange(alert, Resolved: true, now, ResolvedMessage(alert, view)));
            }
        }

        foreach (var alert in active.Values)
        {
            if (!previous.ContainsKey(alert.Key))
            {
                stillOpen.Add(alert);
                changes.Add(new AlertChange(alert, Resolved: false, now, alert.Summary));
            }
        }

        return new AlertEvaluation(stillOpen, changes);
    }

    private IEnumerable<Alert> Conditions(FleetView view, DateTimeOffset now)
    {
        var several = view.Nodes.Count > 1;
        if (several)
        {
            // Each node on its own: one away says which, and its identities' alerts say whose they are.
            foreach (var node in view.Nodes.Where(n => !n.Reachable))
            {
                yield return new Alert($"{AlertKinds.NodeUnreachable}:{node.Name}", AlertKinds.NodeUnreachable, null, "critical",
                    $"node {node.Name} unreachable at {node.PostListener}: {node.Error ?? "no answer"}", now);
            }
        }
        else if (!view.Node.Reachable)
        {
            yield return new Alert(AlertKinds.NodeUnreachable, AlertKinds.NodeUnreachable, null, "critical",
                $"node unreachable at {view.Node.PostListener}: {view.Node.Error ?? "no answer"}", now);
        }

        if (view.History is { Writable: false } history)
        {
            // A warning: proving goes on, only the record of it waits in memory (or is lost beyond the limit).
            yield return new Alert(AlertKinds.HistoryFault, AlertKinds.HistoryFault, null, "warning",
                $"history {history.Path} takes no writes since {history.FaultSince:u} ({history.Fault}); proving goes on, {history.RowsPending} rows wait in memory", now);
        }

        var fleetDue = view.Network is { } network ? DueGap(network, view.At) : null;
        foreach (var s in view.Services)
        {
            // Several nodes: the identity's own node's deadline, and its name said with the node's.
            var who = several ? $"{s.Name} (node {s.Node})" : s.Name;
            var due = several ? DueGapOf(view, s.Node) : fleetDue;
            if (s.DagState == "failed")
            {
                var why = s.DecisionMessage ?? s.DecisionCode ?? "the node reported a failed proof";
                yield return new Alert($"{AlertKinds.ProofFailed}:{s.Name}", AlertKinds.ProofFailed, s.Name, "critical",
                    $"{who}: proof failed ({why})", now);
            }

            if (s.Restarts >= rules.CrashLoopRestarts)
            {
                yield return new Alert($"{AlertKinds.CrashLoop}:{s.Name}", AlertKinds.CrashLoop, s.Name, "critical",
                    $"{who}: post-service restarted {s.Restarts} times this cycle gap (crash loop)", now);
            }

            if (rules.PredictedMiss && due is var (publishEpoch, deadline) && s.EstimatedFinish is { } finish && finish > deadline && StillToProve(s))
            {
                var late = finish - deadline;
                yield return new Alert($"{AlertKinds.PredictedMiss}:{s.Name}:{publishEpoch}", AlertKinds.PredictedMiss, s.Name, "warning",
                    $"{who}: predicted to finish {Describe(late)} after the proof deadline ({deadline:u}) for publish epoch {publishEpoch}", now);
            }

            if (s.Problem is { } problem && (problem.Kind == "exited" || problem.Repeats >= rules.ServiceProblemRepeats))
            {
                // Critical only while the node waits for this identity's proof: then every minute counts.
                yield return new Alert($"{AlertKinds.ServiceProblem}:{s.Name}:{problem.Kind}", AlertKinds.ServiceProblem, s.Name,
                    s.NodeState == "PROVING" ? "critical" : "warning",
                    $"{who}: {problem.Summary}. {Capitalised(problem.Hint)}", now);
            }

            if (s.LastDeliveryLate && s.LastDeliveredEpoch is { } epoch)
            {
                yield return new Alert($"{AlertKinds.DeliveredLate}:{s.Name}:{epoch}", AlertKinds.DeliveredLate, s.Name, "warning",
                    $"{who}: proof for publish epoch {epoch} delivered after the deadline", now);
            }
        }
    }

    /// <summary>The due gap of one node (several nodes); apart from the loop so no service makes a closure for it.</summary>
    private static (uint PublishEpoch, DateTimeOffset ProofDeadline)? DueGapOf(FleetView view, string node) =>
        view.Nodes.FirstOrDefault(n => n.Name == node)?.Network is { } own ? DueGap(own, view.At) : null;

    /// <summary>
    /// The gap whose proofs are due: the view shows the next gap as soon as the current one closes, but the node
    /// takes the closed gap's proofs until its deadline (one epoch before the next gap's), and a proof still
    /// coming then is late against that deadline, not the next one.
    /// </summary>
    private static (uint PublishEpoch, DateTimeOffset ProofDeadline)? DueGap(NetworkView network, DateTimeOffset at)
    {
        if (network.ProofsDue is { } due && at < due.ProofDeadline)
        {
            return (due.PublishEpoch, due.ProofDeadline);
        }

        // A view without proofsDue, or judged after its deadline: derive it from the gap shown.
        var gap = network.CycleGap;
        var previousDeadline = gap.ProofDeadline - TimeSpan.FromSeconds(network.LayerSeconds * network.LayersPerEpoch);
        return !gap.IsOpen && gap.PublishEpoch > 1 && at < previousDeadline ? (gap.PublishEpoch - 1, previousDeadline) : (gap.PublishEpoch, gap.ProofDeadline);
    }

    private static bool StillToProve(ServiceView s) => s.DagState is "waiting" or "k2pow" or "reading";

    private static string ResolvedMessage(Alert alert, FleetView view)
    {
        var service = alert.Service is null ? null : view.Services.FirstOrDefault(s => s.Name == alert.Service);
        return alert.Kind switch
        {
            AlertKinds.NodeUnreachable => alert.Key.Length > AlertKinds.NodeUnreachable.Length ? $"node {alert.Key[(AlertKinds.NodeUnreachable.Length + 1)..]} reachable again" : "node reachable again",
            AlertKinds.HistoryFault => $"history takes writes again ({view.History?.RowsLost ?? 0} rows lost in all)",
            AlertKinds.ProofFailed when service is not null => $"{service.Name}: no longer failed (now {service.DagState})",
            AlertKinds.CrashLoop when service is not null => $"{service.Name}: restarts back to {service.Restarts}",
            AlertKinds.PredictedMiss when service is not null => $"{service.Name}: no longer predicted to miss the deadline (now {service.DagState})",
            AlertKinds.DeliveredLate when service is not null => $"{service.Name}: delivered on time since",
            AlertKinds.ServiceProblem when service is not null => $"{service.Name}: {(service.Problem is null ? "its log shows no problem any more" : "now " + service.Problem.Summary)}",
            _ => $"{alert.Service ?? "fleet"}: condition cleared (service no longer in the fleet or the epoch moved on)",
        };
    }

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0} s";
}
