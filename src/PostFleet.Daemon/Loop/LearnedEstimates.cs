using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;
using PostFleet.Storage;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Keeps what the planner learned about proving durations across daemon restarts: the history's estimates are
/// the planner's prior at start, and a pass that measured something new (a k2pow, a read) stores the result.
/// </summary>
internal sealed class LearnedEstimates(FleetHistory history, ILogger logger)
{
    public PlannerMemory InitialMemory() => PlannerMemory.Empty with { Prior = history.Estimates() };

    /// <param name="known">The pass's estimates when the planner built them (<see cref="Plan.Estimates"/>), else combined here.</param>
    public void Observe(FleetSpec fleet, PlannerMemory before, PlannerMemory after, DateTimeOffset at, ProvingEstimates? known = null)
    {
        if (!Learned(before, after))
        {
            return;
        }

        try
        {
            history.RecordEstimates(at, known ?? ProvingEstimates.Combine(fleet, after.Services, after.Prior));
        }
        catch (SqliteException ex)
        {
            // Only the next restart loses out (it starts from the older estimates); the loop itself must go on.
            logger.LogWarning(ex, "could not store the learned proving estimates in the history");
        }
    }

    private static bool Learned(PlannerMemory before, PlannerMemory after)
    {
        foreach (var (name, now) in after.Services)
        {
            var was = before.For(name);
            if (was.LastK2Pow != now.LastK2Pow || was.LastReadRate != now.LastReadRate || was.LastStartup != now.LastStartup)
            {
                return true;
            }
        }

        return false;
    }
}
