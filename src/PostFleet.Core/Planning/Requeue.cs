using PostFleet.Core.Configuration;

namespace PostFleet.Core.Planning;

/// <summary>
/// When the loop should look again. Soon while something is changing (a start or stop was just asked for, a run
/// is starting up); otherwise at the next deadline the planner knows about (a backoff, an idle grace, a
/// no-progress timeout, the next cycle gap's opening), but never later than the resync interval. And every <see cref="GapPoll"/> while a cycle gap
/// is open and an identity has not yet been asked for this round's proof: the node turns it PROVING when its PoET
/// proof is in, seconds to minutes into the gap, and says nothing on the event stream until a service is connected,
/// so only a PostStates read sees it.
/// </summary>
internal static class Requeue
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Half the one second a first start may lag the node's ask: one PostStates call (a small in-memory read on
    /// the node) twice a second, only in the part of the gap before every identity has been asked.
    /// </summary>
    public static readonly TimeSpan GapPoll = TimeSpan.FromMilliseconds(500);

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

        if (AwaitingTheNodesAsk(spec, snapshot, memory))
        {
            after = Min(after, GapPoll);
        }
        else if (snapshot.Sides.Select(side => side.Timeline?.CurrentOrNextCycleGap(now)).Where(g => g is not null && g.Opens > now).MinBy(g => g!.Opens) is { } next)
        {
            // Looking again only a resync after the gap opened would start every first proof up to resync late, and
            // the next one on each disk with it: where a disk's proofs fill the gap, the last then misses the next
            // PoET round and its epoch (the soak's lost epochs). So the loop looks when the gap opens.
            after = Min(after, next.Opens - now);
        }

        foreach (var service in spec.Services)
        {
            var m = memory[service.Name];
            var run = snapshot.LiveRun(service.Name);
            if (run is not null && (m.StopRequestedAt is not null || now - run.StartedAt < limits.StartupGrace))
            {
                after = Min(after, Soon);
            }

            if (run is not null && ProofRound.Window(m, snapshot.For(service.Name).Timeline) is { } round && !m.Delivered)
            {
                // A kept run is stopped when its round's deadline passes.
                after = round.ProofDeadline > now ? Min(after, round.ProofDeadline - now) : after;
            }

            after = Deadlines(m, run is not null, limits, now, after);
        }

        return after < Floor ? Floor : after;
    }

    /// <summary>
    /// A gap is open and some identity the fleet will prove is IDLE with no run and has not turned PROVING since the
    /// gap opened: its proof request can come any moment.
    /// </summary>
    internal static bool AwaitingTheNodesAsk(FleetSpec spec, FleetSnapshot snapshot, IReadOnlyDictionary<string, ServiceMemory> memory) =>
        spec.Services.Any(s =>
            snapshot.For(s.Name).CycleGapOpenedAt is { } opened
            && snapshot.NodeStateOf(s.Name) == Model.NodePostState.Idle
            && snapshot.LiveRun(s.Name) is null
            && !snapshot.Intents.WillNotProve(s.Name)
            && (memory[s.Name].ProvingSince is not { } since || since < opened));

    /// <summary><paramref name="after"/>, or sooner if one of the service's own deadlines comes first (each pass, for every service: no iterator).</summary>
    private static TimeSpan Deadlines(ServiceMemory m, bool running, ScheduleLimits limits, DateTimeOffset now, TimeSpan after)
    {
        if (m.BackoffUntil is { } backoff)
        {
            after = Sooner(after, backoff, now);
        }

        if (running && m.IdleSince is { } idle)
        {
            after = Sooner(after, idle + limits.IdleStopGrace, now);
        }

        if (running && limits.NoProgressTimeout > TimeSpan.Zero && m.ProgressChangedAt is { } changed)
        {
            after = Sooner(after, changed + limits.NoProgressTimeout, now);
        }

        if (running && m.StopRequestedAt is { } asked)
        {
            after = Sooner(after, asked + StopRules.RestopAfter(limits), now);
        }

        return after;
    }

    private static TimeSpan Sooner(TimeSpan after, DateTimeOffset deadline, DateTimeOffset now) => deadline > now ? Min(after, deadline - now) : after;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
