using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// The planner counts the readers holding a k2pow slot against a candidate by binary search (<see cref="HeldReaders"/>)
/// instead of listing them for each candidate: on random fleets in both modes the count must be the listing's, and
/// the key must name the same holders whenever two candidates share it.
/// </summary>
public class HeldReadersTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_count_is_the_listings_on_random_fleets(int seed)
    {
        var random = new Random(seed);
        var compared = 0;
        for (var i = 0; i < 2000; i++)
        {
            var drawn = RandomCase.Draw(random);
            foreach (var mode in new[] { ScheduleMode.Exclusive, ScheduleMode.Pipelined })
            {
                var spec = drawn.Spec with { Schedule = drawn.Spec.Schedule with { Mode = mode } };
                var memory = spec.Services.ToDictionary(s => s.Name, s => drawn.Memory.For(s.Name), StringComparer.Ordinal);
                var context = new StartContext(spec, drawn.Snapshot, memory, Occupancy.Measure(spec, drawn.Snapshot, memory, drawn.Now), drawn.Now)
                {
                    Prior = drawn.Memory.Prior,
                    ByName = spec.Services.ToDictionary(s => s.Name, StringComparer.Ordinal),
                };
                var seen = new Dictionary<HeldKey, string[]>();
                foreach (var service in spec.Services)
                {
                    var listed = K2PowReservation.Against(service, context).Select(r => r.Service).ToArray();
                    var (count, key) = K2PowReservation.CountAgainst(service, context);
                    Assert.Equal(listed.Length, count);
                    if (seen.TryGetValue(key, out var before))
                    {
                        Assert.Equal(before, listed);
                    }

                    seen[key] = listed;
                    compared += context.Readers.Count;
                }
            }
        }

        Assert.True(compared > 1000, $"only {compared} reader comparisons: the random cases hardly have readers");
    }
}
