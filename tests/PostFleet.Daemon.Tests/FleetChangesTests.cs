using System.Text.Json;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Api;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The event stream's changes: a waiting proof's estimated finish ("now plus its queue") moves every pass, and is
/// sent again only once it is off by more than a countdown can hide; a live read's progress goes at most once a
/// second; any other change is sent at once.
/// </summary>
public sealed class FleetChangesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_estimate_that_drifts_by_a_second_a_pass_is_sent_once_it_is_five_seconds_off()
    {
        var changes = new FleetChanges();
        var finish = Now.AddMinutes(2);
        Assert.Null(changes.Next(Pass(0, finish)));

        var sentAt = new List<int>();
        for (var pass = 1; pass <= 12; pass++)
        {
            var message = changes.Next(Pass(pass, finish.AddSeconds(pass)));
            if (ChangedServices(message!).Contains("diskA_post1"))
            {
                sentAt.Add(pass);
            }
        }

        // Measured from the estimate last sent, not the last pass's: a slow drift cannot hide for ever.
        Assert.Equal([5, 10], sentAt);
    }

    [Fact]
    public void Any_other_change_of_a_service_is_sent_at_once_with_its_exact_estimate()
    {
        var changes = new FleetChanges();
        var finish = Now.AddMinutes(2);
        changes.Next(Pass(0, finish));

        var view = DemoFleet.With(Pass(1, finish.AddSeconds(1)), "diskA_post1", s => s with { DecisionMessage = "something else" });
        var service = JsonDocument.Parse(changes.Next(view)!).RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "diskA_post1");
        Assert.Equal(finish.AddSeconds(1), service.GetProperty("estimatedFinish").GetDateTimeOffset());
    }

    [Fact]
    public void A_live_reads_progress_is_sent_at_most_once_a_second_and_a_phase_change_at_once_with_its_position()
    {
        // Passes 250 ms apart (a hundred live runs changing phase used to make several a second); diskC_post2 reads on.
        var changes = new FleetChanges();
        FleetView At(int pass)
        {
            var at = Now + (pass * TimeSpan.FromMilliseconds(250));
            var view = DemoFleet.With(DemoFleet.Build(Now), "diskC_post2", s => DemoFleet.Reading(s, Now, 0.5 + (pass * 0.001)));
            view = pass >= 5 ? DemoFleet.With(view, "diskB_post2", s => DemoFleet.Reading(s, Now, pass * 0.0001)) : view;
            return view with { At = at, Pass = pass };
        }

        Assert.Null(changes.Next(At(0)));
        var progressSent = new List<int>();
        int? phaseSent = null;
        for (var pass = 1; pass <= 12; pass++)
        {
            var sent = Services(changes.Next(At(pass))!);
            if (sent.TryGetValue("diskC_post2", out var reading))
            {
                progressSent.Add(pass);
                Assert.Equal((ulong)(reading.GetProperty("dataBytes").GetUInt64() * (0.5 + (pass * 0.001))), reading.GetProperty("position").GetUInt64());
            }

            if (phaseSent is null && sent.TryGetValue("diskB_post2", out var other) && other.GetProperty("phase").GetString() == "reading")
            {
                phaseSent = pass;
            }
        }

        // The first view set the clock at 0 s: progress again at 1 s, 2 s and 3 s, never between.
        Assert.Equal([4, 8, 12], progressSent);
        // k2pow to reading at 1.25 s: sent in its own pass, though progress was sent a pass before.
        Assert.Equal(5, phaseSent);
    }

    [Fact]
    public void A_waiting_services_cap_reason_is_sent_at_most_every_five_seconds_and_its_start_at_once()
    {
        // Passes 250 ms apart; diskA_post1 waits on the k2pow reserve (held by another service each time), then max-running, and back.
        var changes = new FleetChanges();
        FleetView At(int pass, Func<ServiceView, ServiceView> diskA)
        {
            var view = DemoFleet.Build(Now) with { At = Now + (pass * TimeSpan.FromMilliseconds(250)), Pass = pass };
            return DemoFleet.With(view, "diskA_post1", diskA);
        }

        ServiceView Waiting(ServiceView s, int pass) => pass % 2 == 1
            ? s with { DecisionCode = "WaitingForRunningSlot", DecisionMessage = "waiting: 100 post-services running (max-running 100)" }
            : s with { DecisionCode = "WaitingForPowReserve", DecisionMessage = $"waiting: k2pow slot reserved for x{pass} (its pass ends about 08:00:10 and may need k2pow again)" };

        Assert.Null(changes.Next(At(0, s => Waiting(s, 0))));
        var sent = new List<int>();
        for (var pass = 1; pass <= 41; pass++)
        {
            if (Services(changes.Next(At(pass, s => Waiting(s, pass)))!).TryGetValue("diskA_post1", out var service))
            {
                sent.Add(pass);
                Assert.Equal(Waiting(DemoFleet.Build(Now).Services.Single(x => x.Name == "diskA_post1"), pass).DecisionMessage, service.GetProperty("decisionMessage").GetString());
            }
        }

        Assert.Equal([20, 40], sent);

        // Waiting on something else than a shared cap (its dependency), then its start: each in its own pass.
        var dependency = Services(changes.Next(At(42, s => s with { DecisionCode = "WaitingForDependency", DecisionMessage = "waiting: after diskB_post1" }))!);
        Assert.True(dependency.ContainsKey("diskA_post1"));
        changes.Next(At(43, s => Waiting(s, 43)));
        var start = Services(changes.Next(At(44, s => s with { DecisionCode = "Start", DecisionMessage = "start: every constraint allows it" }))!);
        Assert.Equal("Start", start["diskA_post1"].GetProperty("decisionCode").GetString());
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(60, 5)]
    [InlineData(3600, 72)]
    [InlineData(-30, 5)]
    public void The_tolerance_is_five_seconds_or_two_percent_of_the_time_to_go(int toGoSeconds, double toleranceSeconds) =>
        Assert.Equal(toleranceSeconds, FleetChanges.EstimateTolerance(TimeSpan.FromSeconds(toGoSeconds)).TotalSeconds, 6);

    private static FleetView Pass(long pass, DateTimeOffset finish)
    {
        var view = DemoFleet.Build(Now.AddSeconds(pass)) with { Pass = pass };
        return DemoFleet.With(view, "diskA_post1", s => s with { EstimatedFinish = finish });
    }

    private static Dictionary<string, JsonElement> Services(string message) =>
        JsonDocument.Parse(message).RootElement.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.Clone());

    private static List<string> ChangedServices(string message) =>
        [.. JsonDocument.Parse(message).RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];
}
