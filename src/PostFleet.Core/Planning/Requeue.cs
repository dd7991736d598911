using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// When the loop should look again. Soon while something is changing (a start or stop was just asked for, a run
/// is starting up); otherwise at the next deadline the planner knows about (a backoff, an idle grace, a
/// no-progress timeout), but never later than the resync interval.
/// </summary>
internal static class Requeue
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(50);

    public static TimeSpan After(
        FleetSpec spec, FleetSnapshot snapshot, IReadOnlyDictionary<string, ServiceMemory> memory, IReadOnlyList<PlannedAction> actions,
        IReadOnlyList<DateTimeOffset> wakes, DateTimeOffset now)
    {
        var limits = spec.Schedule;
        var after = limits.Resync;
        foreach (var wake in wakes)
        {
            if (wake > now)
            {
                after = Min(after, wake - now);
            }
        }

        if (actions.Count > 0)
        {
            after = Min(after, Soon);
        }

        foreach (var service in spec.Services)
        {
            var m = memory[service.Name];
            var run = snapshot.LiveRun(service.Name);
            if (run is not null && (m.StopRequestedAt is not null || now - run.StartedAt < limits.StartupGrace))
            {
                after = Min(after, Soon);
            }

            if (run is not null && ProofRound.Window(m, snapshot.Timeline) is { } round && !m.Delivered)
            {
                // A kept run is stopped when its round's deadline passes.
                after = round.ProofDeadline > now ? Min(after, round.ProofDeadline - now) : after;
            }

            foreach (var deadline in Deadlines(m, run is not null, limits))
            {
                if (deadline > now)
                {
                    after = Min(after, deadline - now);
                }
            }
        }

        return after < Floor ? Floor : after;
    }

    private static IEnumerable<DateTimeOffset> Deadlines(ServiceMemory m, bool running, ScheduleLimits limits)
    {
        if (m.BackoffUntil is { } backoff)
        {
            yield return backoff;
        }

        if (running && m.IdleSince is { } idle)
        {
            yield return idle + limits.IdleStopGrace;
        }

        if (running && limits.NoProgressTimeout > TimeSpan.Zero && m.ProgressChangedAt is { } changed)
        {
            yield return changed + limits.NoProgressTimeout;
        }

        if (running && m.StopRequestedAt is { } asked)
        {
            yield return asked + StopRules.RestopAfter(limits);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
