using System.Text.Json;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web.Api;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The event stream's changes: a waiting proof's estimated finish ("now plus its queue") moves every pass, and is
/// sent again only once it is off by more than a countdown can hide; any other change is sent at once.
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

    private static List<string> ChangedServices(string message) =>
        [.. JsonDocument.Parse(message).RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];
}
