using System.Globalization;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>Why a service that has no live run may not start now.</summary>
internal readonly record struct Blocker(DecisionCode Code, string Reason);

/// <summary>Everything the start constraints look at in one pass.</summary>
internal sealed record StartContext(
    FleetSpec Spec,
    FleetSnapshot Snapshot,
    IReadOnlyDictionary<string, ServiceMemory> Memory,
    Occupancy Occupancy,
    DateTimeOffset Now);

/// <summary>
/// The rules a start must pass, as small predicates in the order a user would ask "why not?": the first one
/// that blocks is the reason shown. Caps come last so that "waiting for the disk" is only ever said of a service
/// that would otherwise start.
/// </summary>
internal static class StartConstraints
{
    private static readonly Func<ServiceSpec, StartContext, Blocker?>[] InOrder =
    [
        NodeAnswers, IdentityKnown, IdentityProving, NotForcedStopped, NotPaused, NotSkipped, NotDeliveredYet,
        BackoffOver, DependenciesDelivered, DiskHasRoom, PowSlotFree, RunningSlotFree,
    ];

    public static Blocker? FirstBlocker(ServiceSpec service, StartContext context)
    {
        foreach (var rule in InOrder)
        {
            if (rule(service, context) is { } blocker)
            {
                return blocker;
            }
        }

        return null;
    }

    private static Blocker? NodeAnswers(ServiceSpec s, StartContext c) =>
        c.Snapshot.NodeReachable ? null : new(DecisionCode.NodeUnreachable, "holding: the node does not answer PostStates; nothing is started or stopped until it does");

    private static Blocker? IdentityKnown(ServiceSpec s, StartContext c) =>
        c.Snapshot.Identities.ContainsKey(s.Name)
            ? null
            : new(DecisionCode.UnknownIdentity, $"the node does not list identity {s.Name}: copy its key to {c.Spec.Node.DataDir}/identities/{s.Name}.key and restart the node");

    private static Blocker? IdentityProving(ServiceSpec s, StartContext c) =>
        c.Snapshot.NodeStateOf(s.Name) == NodePostState.Proving
            ? null
            : c.Memory[s.Name].Delivered
                ? new(DecisionCode.Done, "done: the node has this round's proof and the identity is IDLE")
                : new(DecisionCode.Idle, "idle: the node does not need this identity now");

    private static Blocker? NotForcedStopped(ServiceSpec s, StartContext c) =>
        c.Snapshot.Intents.ForcedStops.Contains(s.Name) ? new(DecisionCode.ForcedStop, "stopped by the user; remove the forced stop to let it prove") : null;

    private static Blocker? NotPaused(ServiceSpec s, StartContext c) =>
        c.Snapshot.Intents.Paused.Contains(s.Name) ? new(DecisionCode.Paused, "paused by the user; the identity is PROVING and will miss this epoch unless resumed") : null;

    private static Blocker? NotSkipped(ServiceSpec s, StartContext c) =>
        c.Snapshot.Intents.SkipEpoch.Contains(s.Name) ? new(DecisionCode.SkippedThisEpoch, "skipping this epoch at the user's request") : null;

    // The node may still say PROVING for a moment after it got the proof; proving again would only read the disk.
    private static Blocker? NotDeliveredYet(ServiceSpec s, StartContext c) =>
        c.Memory[s.Name].Delivered ? new(DecisionCode.Done, "done: the node has this round's proof (it has not turned IDLE yet)") : null;

    private static Blocker? BackoffOver(ServiceSpec s, StartContext c) =>
        c.Memory[s.Name] is { BackoffUntil: { } until, Restarts: var restarts } && until > c.Now
            ? new(DecisionCode.BackingOff, $"backing off: {restarts} failed run(s) in a row; next start at {until.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}")
            : null;

    /// <summary>
    /// <c>after</c>: wait while a dependency's identity is PROVING and has not delivered in this round. A dependency
    /// the node does not need (IDLE or unlisted), or that the user took out of the round, does not hold anyone up.
    /// "Prove now" skips this rule.
    /// </summary>
    private static Blocker? DependenciesDelivered(ServiceSpec s, StartContext c)
    {
        if (c.Snapshot.Intents.ProveNow.Contains(s.Name))
        {
            return null;
        }

        var pending = s.After.Where(d => IsPending(d, c)).ToList();
        return pending.Count == 0
            ? null
            : new(DecisionCode.WaitingForDependency, $"waiting: after {string.Join(", ", pending)}, which has not delivered yet");
    }

    internal static bool IsPending(string dependency, StartContext c) =>
        c.Snapshot.NodeStateOf(dependency) == NodePostState.Proving
        && !c.Memory.GetValueOrDefault(dependency, ServiceMemory.Initial).Delivered
        && !c.Snapshot.Intents.WillNotProve(dependency);

    private static Blocker? DiskHasRoom(ServiceSpec s, StartContext c)
    {
        var readers = c.Occupancy.ReadersOf(s.Disk);
        return readers.Count < c.Spec.Schedule.PerDisk
            ? null
            : new(DecisionCode.WaitingForDisk, $"waiting: disk {s.Disk} busy with {string.Join(", ", readers)} (per-disk {c.Spec.Schedule.PerDisk})");
    }

    private static Blocker? PowSlotFree(ServiceSpec s, StartContext c)
    {
        var cap = c.Spec.Schedule.MaxPow;
        return cap == 0 || c.Occupancy.InK2Pow.Count < cap
            ? null
            : new(DecisionCode.WaitingForPow, $"waiting: k2pow slots full with {string.Join(", ", c.Occupancy.InK2Pow)} (max-pow {cap})");
    }

    private static Blocker? RunningSlotFree(ServiceSpec s, StartContext c)
    {
        var cap = c.Spec.Schedule.MaxRunning;
        return cap == 0 || c.Occupancy.Running.Count < cap
            ? null
            : new(DecisionCode.WaitingForRunningSlot, $"waiting: {c.Occupancy.Running.Count} post-services running (max-running {cap})");
    }
}
