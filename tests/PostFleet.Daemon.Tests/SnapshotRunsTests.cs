using PostFleet.Core.Model;
using PostFleet.Daemon.Loop;
using PostFleet.Daemon.Tests.Fakes;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The planner sees one run per service: a runtime may still hold an exited run beside a fresh one, and a start the
/// runtime has not finished is the service's live run, starting up, unless the runtime already lists a live one.
/// </summary>
public class SnapshotRunsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_live_run_wins_over_an_ended_one_then_the_latest_started_then_the_first_listed()
    {
        RuntimeInstance Run(string service, string id, int minutesAgo, bool running) => new(service, id, Now.AddMinutes(-minutesAgo), running, running ? null : 0, null);
        var runs = new[]
        {
            Run("a", "a-old-live", 30, running: true),
            Run("a", "a-new-ended", 5, running: false),
            Run("b", "b-old-live", 30, running: true),
            Run("b", "b-new-live", 10, running: true),
            Run("c", "c-first", 20, running: false),
            Run("c", "c-second", 20, running: false),
            Run("d", "d-only", 1, running: false),
        };
        var observation = new FleetObservation(Now, true, null, null, new Dictionary<string, IdentityState>(), runs, new Dictionary<string, ServiceStatus>(), []);

        var snapshot = SnapshotBuilder.Build(DemoForecast.Spec(), observation, FleetIntentState.None);

        Assert.Equal(["a", "b", "c", "d"], snapshot.Runs.Keys);
        Assert.Equal("a-old-live", snapshot.Runs["a"].InstanceId);
        Assert.Equal("b-new-live", snapshot.Runs["b"].InstanceId);
        Assert.Equal("c-first", snapshot.Runs["c"].InstanceId);
        Assert.Equal("d-only", snapshot.Runs["d"].InstanceId);
    }

    [Fact]
    public void A_start_under_way_is_the_services_live_run_answering_no_status_unless_a_live_run_is_listed()
    {
        RuntimeInstance Run(string service, string id, bool running) => new(service, id, Now.AddMinutes(-1), running, running ? null : 0, null);
        RuntimeInstance Starting(string service) => new(service, ActionExecutor.StartingPrefix + service, Now, true, null, null);
        var listed = new[] { Run("a", "a-live", running: true), Run("b", "b-ended", running: false) };
        var statuses = new Dictionary<string, ServiceStatus> { ["a"] = new ServiceStatus.Idle() };
        var observation = new FleetObservation(Now, true, null, null, new Dictionary<string, IdentityState>(), listed, statuses, []);

        var snapshot = SnapshotBuilder.Build(DemoForecast.Spec(), observation, FleetIntentState.None, [Starting("a"), Starting("b"), Starting("c")]);

        Assert.Equal("a-live", snapshot.Runs["a"].InstanceId);
        Assert.IsType<ServiceStatus.Idle>(snapshot.Statuses["a"]);
        foreach (var service in new[] { "b", "c" })
        {
            Assert.Equal((ActionExecutor.StartingPrefix + service, true), (snapshot.Runs[service].InstanceId, snapshot.Runs[service].Running));
            Assert.Contains("the runtime is starting it", Assert.IsType<ServiceStatus.Unreachable>(snapshot.Statuses[service]).Reason, StringComparison.Ordinal);
        }

        // What the runtime observed is not changed for the others (the run ledger and the view read it).
        Assert.Equal(2, observation.Runs.Count);
        Assert.Single(observation.Statuses);
    }
}
