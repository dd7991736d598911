using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// The loop's listeners (the view's forecast, the learned estimates in the history) take the estimates a pass judged
/// its starts with from the plan instead of combining them again: they must be what combining the plan's memory gives.
/// </summary>
public class PlanEstimatesTests
{
    [Theory]
    [InlineData(ScheduleMode.Exclusive)]
    [InlineData(ScheduleMode.Pipelined)]
    public void A_plans_estimates_are_those_of_its_next_memory(ScheduleMode mode)
    {
        var random = new Random(11);
        var carried = 0;
        for (var i = 0; i < 2000; i++)
        {
            var input = RandomCase.Draw(random);
            var spec = input.Spec with { Schedule = input.Spec.Schedule with { Mode = mode } };
            var plan = Planner.Decide(spec, input.Snapshot, input.Memory, input.Now);
            if (plan.Estimates is not { } carriedEstimates)
            {
                continue;
            }

            carried++;
            var combined = ProvingEstimates.Combine(spec, plan.Next.Services, plan.Next.Prior);
            Assert.Equal(Sorted(combined.K2Pow), Sorted(carriedEstimates.K2Pow));
            Assert.Equal(Sorted(combined.DiskReadRate), Sorted(carriedEstimates.DiskReadRate));
            Assert.Equal(Sorted(combined.TwoReaderPenalty), Sorted(carriedEstimates.TwoReaderPenalty));
            Assert.Equal(Sorted(combined.Startup), Sorted(carriedEstimates.Startup));
            Assert.Equal(combined.MeanStartup, carriedEstimates.MeanStartup);
        }

        // Most passes with a PROVING identity to start judge it with estimates: the property is not vacuous.
        Assert.True(carried > 500, $"only {carried} plans carried estimates");
    }

    private static List<KeyValuePair<string, T>> Sorted<T>(IReadOnlyDictionary<string, T> values) =>
        [.. values.OrderBy(kv => kv.Key, StringComparer.Ordinal)];
}
