using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Tests;

public sealed class AlertEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly AlertEvaluator _evaluator = new(new AlertRules { CrashLoopRestarts = 3 });

    private static FleetView Healthy() => DemoFleet.Build(Now);

    private static FleetView With(string service, Func<ServiceView, ServiceView> change) => DemoFleet.With(Healthy(), service, change);

    [Fact]
    public void A_healthy_fleet_has_no_alerts()
    {
        var result = _evaluator.Evaluate([], Healthy(), Now);
        Assert.Empty(result.Open);
        Assert.Empty(result.Changes);
    }

    [Fact]
    public void A_failed_proof_fires_once_and_resolves_once()
    {
        var failed = With("diskA_post1", s => s with { DagState = "failed", DecisionMessage = "PostFailed from the node" });
        var first = _evaluator.Evaluate([], failed, Now);
        var change = Assert.Single(first.Changes);
        Assert.False(change.Resolved);
        Assert.Equal(AlertKinds.ProofFailed, change.Alert.Kind);
        Assert.Contains("PostFailed from the node", change.Message, StringComparison.Ordinal);

        var again = _evaluator.Evaluate(first.Open, failed, Now.AddMinutes(1));
        Assert.Empty(again.Changes);
        Assert.Equal(Now, Assert.Single(again.Open).Since);

        var retried = _evaluator.Evaluate(again.Open, With("diskA_post1", s => s with { DagState = "k2pow" }), Now.AddMinutes(2));
        var resolved = Assert.Single(retried.Changes);
        Assert.True(resolved.Resolved);
        Assert.Contains("now k2pow", resolved.Message, StringComparison.Ordinal);
        Assert.Empty(retried.Open);
    }

    [Fact]
    public void A_history_that_takes_no_writes_fires_once_as_a_warning_and_resolves_when_writes_work_again()
    {
        var full = Healthy() with { History = new HistoryView("/state/history.db", false, "/state/history.db: database or disk is full", Now, Now.AddMinutes(-1), 0, 40) };
        var first = _evaluator.Evaluate([], full, Now);
        var fired = Assert.Single(first.Changes);
        Assert.Equal((AlertKinds.HistoryFault, "warning", false), (fired.Alert.Kind, fired.Alert.Severity, fired.Resolved));
        Assert.Contains("disk is full", fired.Message, StringComparison.Ordinal);
        Assert.Contains("proving goes on", fired.Message, StringComparison.Ordinal);

        Assert.Empty(_evaluator.Evaluate(first.Open, full with { History = full.History! with { RowsPending = 80 } }, Now.AddMinutes(1)).Changes);

        var writable = Healthy() with { History = new HistoryView("/state/history.db", true, null, null, Now.AddMinutes(2), 3, 0) };
        var resolved = Assert.Single(_evaluator.Evaluate(first.Open, writable, Now.AddMinutes(2)).Changes);
        Assert.True(resolved.Resolved);
        Assert.Contains("3 rows lost", resolved.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Crash_loop_needs_the_threshold()
    {
        Assert.Empty(_evaluator.Evaluate([], With("diskB_post1", s => s with { Restarts = 2 }), Now).Changes);
        var loop = _evaluator.Evaluate([], With("diskB_post1", s => s with { Restarts = 3 }), Now);
        Assert.Equal(AlertKinds.CrashLoop, Assert.Single(loop.Changes).Alert.Kind);
    }

    [Fact]
    public void Predicted_miss_after_the_gap_closed_is_judged_against_that_gaps_deadline_until_it_passes()
    {
        // Publish epoch 14's gap has closed; the view already shows epoch 15's. Epochs are 4032 × 300 s = 14 days.
        var healthy = Healthy();
        var epoch = TimeSpan.FromDays(14);
        var dueDeadline = Now.AddHours(1);
        var network = healthy.Network! with
        {
            CycleGap = new CycleGapView(15, dueDeadline + epoch - TimeSpan.FromHours(3), dueDeadline + epoch - TimeSpan.FromHours(1), dueDeadline + epoch - TimeSpan.FromMinutes(30), dueDeadline + epoch, IsOpen: false),
            ProofsDue = null, // derived from cycleGap, as for a view without it; the next test gives it
        };
        FleetView Finishing(DateTimeOffset at) => DemoFleet.With(healthy, "diskB_post1", s => s with { EstimatedFinish = at }) with { Network = network };

        var fired = Assert.Single(_evaluator.Evaluate([], Finishing(Now.AddHours(3)), Now).Changes);
        Assert.Equal("predicted-miss:diskB_post1:14", fired.Alert.Key);
        Assert.Contains("2 h after the proof deadline", fired.Message, StringComparison.Ordinal);
        Assert.Empty(_evaluator.Evaluate([], Finishing(Now.AddMinutes(30)), Now).Changes);

        // Past epoch 14's deadline the next gap is the one that counts.
        var later = Finishing(Now.AddHours(3)) with { At = dueDeadline.AddMinutes(1) };
        Assert.Empty(_evaluator.Evaluate([], later, dueDeadline.AddMinutes(1)).Changes);
    }

    [Fact]
    public void Predicted_miss_uses_the_views_proofs_due()
    {
        var closed = DemoFleet.AfterGapClosed(Healthy());
        var dueDeadline = closed.Network!.ProofsDue!.ProofDeadline;
        FleetView Finishing(DateTimeOffset at) => DemoFleet.With(closed, "diskB_post1", s => s with { EstimatedFinish = at }) with { Network = closed.Network };

        var fired = Assert.Single(_evaluator.Evaluate([], Finishing(dueDeadline.AddHours(2)), Now).Changes);
        Assert.Equal("predicted-miss:diskB_post1:14", fired.Alert.Key);
        Assert.Empty(_evaluator.Evaluate([], Finishing(dueDeadline.AddMinutes(-30)), Now).Changes);
    }

    [Fact]
    public void Predicted_miss_only_while_still_to_prove()
    {
        var deadline = Healthy().Network!.CycleGap.ProofDeadline;
        var late = With("diskB_post1", s => s with { EstimatedFinish = deadline.AddMinutes(40) });
        var fired = Assert.Single(_evaluator.Evaluate([], late, Now).Changes);
        Assert.Equal(AlertKinds.PredictedMiss, fired.Alert.Kind);
        Assert.Contains("40 min after the proof deadline", fired.Message, StringComparison.Ordinal);

        var onTime = With("diskB_post1", s => s with { EstimatedFinish = deadline.AddMinutes(-40) });
        Assert.Empty(_evaluator.Evaluate([], onTime, Now).Changes);

        var delivered = With("diskB_post1", s => s with { EstimatedFinish = deadline.AddMinutes(40), DagState = "delivered" });
        Assert.Empty(_evaluator.Evaluate([], delivered, Now).Changes);
    }

    [Fact]
    public void A_service_problem_fires_once_it_repeats_and_is_critical_while_the_node_waits()
    {
        var problem = new ServiceProblemView("cannot-connect", "cannot connect to the node: invalid peer certificate: UnknownIssuer",
            "set tls.ca-cert to the CA that signed the node's certificate", "[..] could not connect to the node: ...", Repeats: 1);
        Assert.Empty(_evaluator.Evaluate([], With("diskB_post1", s => s with { Problem = problem }), Now).Changes);

        var waiting = With("diskB_post1", s => s with { NodeState = "PROVING", Problem = problem with { Repeats = 3 } });
        var fired = Assert.Single(_evaluator.Evaluate([], waiting, Now).Changes);
        Assert.Equal("service-problem:diskB_post1:cannot-connect", fired.Alert.Key);
        Assert.Equal("critical", fired.Alert.Severity);
        Assert.Equal("diskB_post1: cannot connect to the node: invalid peer certificate: UnknownIssuer. Set tls.ca-cert to the CA that signed the node's certificate", fired.Message);

        var idle = With("diskB_post1", s => s with { NodeState = "IDLE", Problem = problem with { Repeats = 3 } });
        Assert.Equal("warning", Assert.Single(_evaluator.Evaluate([], idle, Now).Changes).Alert.Severity);

        var exited = With("diskB_post1", s => s with { Problem = new ServiceProblemView("exited", "post-service exited: max retries (10) reached", "h", "Error: max retries (10) reached", 1) });
        Assert.Single(_evaluator.Evaluate([], exited, Now).Changes);

        var fixedView = With("diskB_post1", s => s with { NodeState = "PROVING" });
        var resolved = Assert.Single(_evaluator.Evaluate([fired.Alert], fixedView, Now).Changes);
        Assert.True(resolved.Resolved);
        Assert.Equal("diskB_post1: its log shows no problem any more", resolved.Message);
    }

    [Fact]
    public void Node_unreachable_fires_and_resolves()
    {
        var healthy = Healthy();
        var down = healthy with { Node = healthy.Node with { Reachable = false, Error = "connection refused" } };
        var fired = _evaluator.Evaluate([], down, Now);
        Assert.Contains("connection refused", Assert.Single(fired.Changes).Message, StringComparison.Ordinal);
        var back = _evaluator.Evaluate(fired.Open, healthy, Now.AddMinutes(1));
        Assert.Equal("node reachable again", Assert.Single(back.Changes).Message);
    }

    [Fact]
    public void Late_delivery_is_keyed_by_epoch()
    {
        var late = With("diskC_post3", s => s with { LastDeliveryLate = true, LastDeliveredEpoch = 13 });
        var fired = Assert.Single(_evaluator.Evaluate([], late, Now).Changes);
        Assert.Equal("delivered-late:diskC_post3:13", fired.Alert.Key);

        var nextLate = With("diskC_post3", s => s with { LastDeliveryLate = true, LastDeliveredEpoch = 14 });
        var changes = _evaluator.Evaluate([fired.Alert], nextLate, Now).Changes;
        Assert.Equal(2, changes.Count);
        Assert.Contains(changes, c => c.Resolved && c.Alert.Key.EndsWith(":13", StringComparison.Ordinal));
        Assert.Contains(changes, c => !c.Resolved && c.Alert.Key.EndsWith(":14", StringComparison.Ordinal));
    }

    [Fact]
    public void Webhook_targets_never_show_their_secret()
    {
        var target = WebhookTarget.Parse("discord:https://discord.com/api/webhooks/123/SECRET");
        Assert.Equal(WebhookFormat.Discord, target.Format);
        Assert.Equal("https://discord.com", target.Redacted);
        Assert.DoesNotContain("SECRET", target.ToString(), StringComparison.Ordinal);
        Assert.Equal(WebhookFormat.Generic, WebhookTarget.Parse("https://hooks.example/x").Format);
        Assert.Throws<FormatException>(() => WebhookTarget.Parse("telegram:https://api.telegram.org/botX/sendMessage"));
        Assert.Throws<FormatException>(() => WebhookTarget.Parse("ftp://nope"));
    }
}
