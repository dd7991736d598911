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
    DateTimeOffset Now)
{
    private ProvingEstimates? _estimates;
    private IReadOnlyList<PassInProgress>? _readers;
    private Dictionary<string, HeldReaders>? _held;
    private (TimeSpan? Value, bool Known) _k2powPerUnit;
    private double? _passFailure;
    private WindowOutlook? _outlook;
    private DiskWorkLeft? _diskWork;

    /// <summary>Estimates for this pass, built on first use (both modes order by them, and the window outlook needs them).</summary>
    public ProvingEstimates Estimates => _estimates ??= ProvingEstimates.Combine(Spec, Memory, Prior);

    /// <summary><see cref="Estimates"/> if the pass built them, else null.</summary>
    public ProvingEstimates? EstimatesIfBuilt => _estimates;

    public ProvingEstimates? Prior { get; init; }

    /// <summary>Where each proof is expected to land against the gap and the deadline, built on first use.</summary>
    public WindowOutlook Outlook => _outlook ??= WindowOutlook.Of(Spec, Snapshot, Memory, Estimates, Now);

    /// <summary>Each disk's estimated reads left, built on first use (both modes order disks by it; pipelined times successors with it).</summary>
    public DiskWorkLeft DiskWork => _diskWork ??= DiskWorkLeft.Of(Spec, Snapshot, Memory, Estimates);

    /// <summary>Services reading in this pass (starts only add k2pow), for the k2pow reservation.</summary>
    public IReadOnlyList<PassInProgress> Readers => _readers ??= K2PowReservation.ReadersOf(Spec, Snapshot, Memory, Occupancy, Estimates, Now);

    /// <summary>
    /// The readers whose k2pow runs on <paramref name="resource"/> (a <see cref="K2PowResource"/> key), indexed to
    /// count those holding a slot against a candidate's k2pow there; without a k2pow pool every reader is local.
    /// </summary>
    public HeldReaders HeldReadersOn(string resource)
    {
        _held ??= Spec.K2Pow is null
            ? new(StringComparer.Ordinal) { [resource] = new HeldReaders(Readers) }
            : Readers.GroupBy(r => K2PowResource.Of(ByName[r.Service], Spec).Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => new HeldReaders([.. g]), StringComparer.Ordinal);
        return _held.TryGetValue(resource, out var held) ? held : _held[resource] = new HeldReaders([]);
    }

    /// <summary>
    /// A k2pow-reserve blocker already said in this pass, by the holders and the services in k2pow (which only grow
    /// during a pass): the same holders give the same reason, so it is built once, not once per waiting service.
    /// </summary>
    public Dictionary<(HeldKey Held, int InK2Pow), Blocker> ReserveBlockers { get; } = [];

    /// <summary>
    /// The k2pow-full blocker said in this pass, by resource and the count in k2pow on it (which only grows during a
    /// pass): the same services in k2pow give the same reason.
    /// </summary>
    public Dictionary<(string Resource, int InK2Pow), Blocker> FullPowBlockers { get; } = [];

    /// <summary>The max-running blocker last said in this pass, with the count of running services it says.</summary>
    public (int Running, Blocker Blocker)? RunningSlotBlocker { get; set; }

    /// <summary>Chance one pass finds no proof and its service re-enters k2pow.</summary>
    public double PassFailureChance => _passFailure ??= K2PowReservation.PassFailureChance(Spec.Post);

    /// <summary>A learned k2pow per unit, for services not measured yet.</summary>
    public TimeSpan? K2PowPerUnit
    {
        get
        {
            if (!_k2powPerUnit.Known)
            {
                _k2powPerUnit = (K2PowReservation.PerUnit(Spec, Estimates), true);
            }

            return _k2powPerUnit.Value;
        }
    }

    /// <summary>The config's services by name (FleetSpec.FindService is a linear scan).</summary>
    public required IReadOnlyDictionary<string, ServiceSpec> ByName { get; init; }

    /// <summary>Times at which a pipelined start becomes due; the loop looks again then.</summary>
    public List<DateTimeOffset> Wakes { get; } = [];
}

/// <summary>
/// The rules a start must pass, as small predicates in the order a user would ask "why not?": the first one
/// that blocks is the reason shown. Caps come last so that "waiting for the disk" is only ever said of a service
/// that would otherwise start.
/// </summary>
internal static class StartConstraints
{
    private static readonly Func<ServiceSpec, StartContext, Blocker?>[] InOrder =
    [
        NodeAnswers, IdentityKnown, RoundNotMissed, IdentityProving, RoundKnown, NotForcedStopped, NotPaused, NotSkipped, NotDeliveredYet,
        BackoffOver, DependenciesDelivered, MakesTheDeadline, MakesTheGap, DiskHasRoom, PowSlotFree, RunningSlotFree,
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
        c.Snapshot.For(s.Name).NodeReachable ? null : new(DecisionCode.NodeUnreachable, "holding: the node does not answer PostStates; nothing is started or stopped until it does");

    private static Blocker? IdentityKnown(ServiceSpec s, StartContext c) =>
        c.Snapshot.Identities.ContainsKey(s.Name)
            ? null
            : new(DecisionCode.UnknownIdentity, $"the node does not list identity {s.Name}: copy its key to {c.Spec.NodeOf(s).DataDir}/identities/{s.Name}.key and restart the node");

    /// <summary>After this round's deadline the node no longer takes its proof, PROVING or not: say so, start nothing.</summary>
    private static Blocker? RoundNotMissed(ServiceSpec s, StartContext c) =>
        ProofRound.DeadlinePassed(c.Memory[s.Name], c.Snapshot.For(s.Name).Timeline, c.Now) && ProofRound.Window(c.Memory[s.Name], c.Snapshot.For(s.Name).Timeline) is { } round
            ? new(DecisionCode.Missed, $"missed: publish epoch {round.PublishEpoch}'s proof was not delivered before its deadline {round.ProofDeadline.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}; nothing to start until the next round")
            : null;

    private static Blocker? IdentityProving(ServiceSpec s, StartContext c) =>
        c.Snapshot.NodeStateOf(s.Name) == NodePostState.Proving
            ? null
            : c.Memory[s.Name].Delivered
                ? new(DecisionCode.Done, "done: the node has this round's proof and the identity is IDLE")
                : new(DecisionCode.Idle, "idle: the node does not need this identity now");

    /// <summary>
    /// A round already PROVING when the planner first heard from the node may be one whose deadline has passed (the
    /// node turns it IDLE only on its next ATX step); a start then holds the disk from a round that can still make
    /// it. The node's replay after subscribing names the round (postStart, or poetWaitProof's publish epoch), so
    /// such a start waits until the replay is read; a round still unnamed after it starts as before.
    /// </summary>
    private static Blocker? RoundKnown(ServiceSpec s, StartContext c) =>
        !c.Snapshot.EventReplayRead && ProofRound.Unknown(c.Memory[s.Name])
            ? new(DecisionCode.AwaitingEventReplay, $"holding: identity {s.Name} was already PROVING when the daemon first heard from the node; waiting for the node's replayed events to tell which round it is (a round past its deadline must not hold disk {s.Disk})")
            : null;

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
    /// <c>after</c>: wait while a dependency's identity is PROVING and has not delivered in this round, or is IDLE
    /// with a round the node announced and has not asked for yet (each identity turns PROVING when it has fetched
    /// its PoET proof, so at the gap's opening a dependency may still read IDLE a moment after its dependent turned
    /// PROVING; an announced round counts in its own gap only, at most a cycle gap after its PoET round ended). A dependency the node
    /// does not need (IDLE without a round to come, or unlisted), or that the user took out of the round, does not
    /// hold anyone up. "Prove now" skips this rule.
    /// </summary>
    private static Blocker? DependenciesDelivered(ServiceSpec s, StartContext c)
    {
        if (s.After.IsEmpty || c.Snapshot.Intents.ProveNow.Contains(s.Name))
        {
            return null;
        }

        List<string>? pending = null;
        foreach (var d in s.After)
        {
            if (IsPending(d, c))
            {
                (pending ??= []).Add(d);
            }
        }

        return pending is null
            ? null
            : new(DecisionCode.WaitingForDependency, $"waiting: after {string.Join(", ", pending)}, which has not delivered yet");
    }

    internal static bool IsPending(string dependency, StartContext c)
    {
        var memory = c.Memory.GetValueOrDefault(dependency, ServiceMemory.Initial);
        var needed = c.Snapshot.NodeStateOf(dependency) switch
        {
            NodePostState.Proving => !memory.Delivered,
            NodePostState.Idle => memory.RoundAnnouncedUntil is { } until && c.ByName.TryGetValue(dependency, out var spec) && IsThisGap(until, c.Spec.NodeOf(spec).Poet.CycleGap, c.Now),
            _ => false,
        };
        return needed && !c.Snapshot.Intents.WillNotProve(dependency);
    }

    // The round whose PoET round ended up to a cycle gap ago (half a gap ahead for clocks apart): the next round,
    // announced once a dependency delivered this one, ends about an epoch later and is not this gap's.
    private static bool IsThisGap(DateTimeOffset poetRoundEnd, TimeSpan cycleGap, DateTimeOffset now) =>
        now >= poetRoundEnd - (cycleGap / 2) && now < poetRoundEnd + cycleGap;

    /// <summary>
    /// A proof predicted to land after the deadline is worth nothing: it starts last, once no identity that can still
    /// make the gap or the deadline is waiting (the prediction may be wrong, and then nothing else needs the slots).
    /// </summary>
    private static Blocker? MakesTheDeadline(ServiceSpec s, StartContext c) =>
        WaitsFor(s, c, ProofOutlook.WillMiss) is { } ahead
            ? new(DecisionCode.WillMissDeadline,
                $"will miss the proof deadline: one k2pow and read need about {Hours(c.Outlook.ProvingSeconds(s.Name))} and {Hours(c.Outlook.WindowOf(s.Name)!.Value.DeadlineSecondsLeft ?? 0)} are left with the identities ahead of it; starts last, after the {ahead} that can still make it")
            : null;

    /// <summary>A proof that cannot make the gap (but can make the deadline) waits until every one that can make the gap has started.</summary>
    private static Blocker? MakesTheGap(ServiceSpec s, StartContext c) =>
        WaitsFor(s, c, ProofOutlook.BeforeDeadline) is { } ahead
            ? new(DecisionCode.WaitingForGapProofs,
                $"waiting: will not make the cycle gap (one k2pow and read need about {Hours(c.Outlook.ProvingSeconds(s.Name))}, {Hours(c.Outlook.WindowOf(s.Name)!.Value.GapSecondsLeft)} of the gap left after the larger identities); proves before the deadline once the {ahead} that can make the gap have started")
            : null;

    private static int? WaitsFor(ServiceSpec s, StartContext c, ProofOutlook outlook)
    {
        if (c.Snapshot.For(s.Name).Window is null || c.Snapshot.Intents.ProveNow.Contains(s.Name) || c.Outlook.Of(s.Name) != outlook)
        {
            return null;
        }

        var ahead = c.Outlook.WaitingBetterThan(outlook);
        return ahead > 0 ? ahead : null;
    }

    // Rounded to 10 minutes: the history stores a decision each time its text changes.
    private static string Hours(double seconds) => Durations.Format(TimeSpan.FromMinutes(Math.Round(seconds / 600) * 10));

    private static Blocker? DiskHasRoom(ServiceSpec s, StartContext c) =>
        c.Spec.Schedule.Mode == ScheduleMode.Pipelined ? PipelinedDiskHasRoom(s, c) : ExclusiveDiskHasRoom(s, c);

    /// <summary>
    /// Pipelined: per-disk counts readers. With a free slot the service starts now (its read begins after its
    /// k2pow). With every slot read and nobody of the disk in k2pow, the one next in line starts when its
    /// estimated k2pow would end <c>pipeline-margin</c> after the first reader is estimated to finish. Without an
    /// estimate (no history yet) it waits like exclusive mode.
    /// </summary>
    private static Blocker? PipelinedDiskHasRoom(ServiceSpec s, StartContext c)
    {
        var readers = c.Occupancy.ReadersOf(s.Disk);
        var queued = c.Occupancy.QueuedOn(s.Disk);
        var perDisk = c.Spec.Schedule.PerDisk;
        if (readers.Count + queued.Count < perDisk)
        {
            return null;
        }

        if (queued.Count > 0)
        {
            return new(DecisionCode.WaitingForDisk, $"waiting: {string.Join(", ", queued)} in k2pow will read disk {s.Disk} next (per-disk {perDisk} readers, pipelined)");
        }

        // More readers than the cap: an earlier k2pow ended sooner than estimated. Pipelining onto that would
        // only add to the pile-up, so wait for the disk like exclusive mode until it is back under the cap.
        if (readers.Count > perDisk)
        {
            return new(DecisionCode.WaitingForDisk, $"waiting: disk {s.Disk} read by {string.Join(", ", readers)}, more than per-disk {perDisk} (an estimate was off); not pipelining until it drains");
        }

        var k2pow = c.Estimates.K2PowOf(s.Name);
        var freeAt = FirstFreeAt(readers, c);
        if (k2pow is not { } k || freeAt is not { } free)
        {
            return new(DecisionCode.WaitingForDisk, $"waiting: disk {s.Disk} read by {string.Join(", ", readers)}; no k2pow or read-rate estimate yet to pipeline (per-disk {perDisk})");
        }

        // A fresh start hides its start-up (RandomX set-up) as well as its k2pow behind the read; only the k2pow varies
        // by its draws, so the lead is the start-up plus the k2pow's quantile.
        var startup = c.Estimates.StartupOf(s);
        if (ReentryOverlap.Outweighs(s, startup + k, readers, c) is { } risk)
        {
            var chance = risk.FailureChance.ToString("0.#%", CultureInfo.InvariantCulture);
            return new(DecisionCode.WaitingForDisk, risk.Units is { } units
                ? $"waiting: disk {s.Disk} read by {string.Join(", ", readers)}; its reads outlast the cycle gap, so not pipelining: a pass fails with {chance} chance and then reads the disk again alongside this one (expected {units.Cost.ToString("0.#", CultureInfo.InvariantCulture)} units lost from the gap, {units.Saving.ToString("0.#", CultureInfo.InvariantCulture)} gained)"
                : $"waiting: disk {s.Disk} read by {string.Join(", ", readers)}; not pipelining: a pass fails with {chance} chance and then reads the disk again alongside this one (expected cost {Durations.Format(risk.ExpectedCost)} > {Durations.Format(risk.ExpectedSaving)} saved)");
        }

        var lead = startup + PipelineLead.For(k, c.Estimates.TwoReaderPenaltyOf(s.Disk), c.Spec.Post.Nonces);
        var startAt = free - lead + c.Spec.Schedule.PipelineMargin;
        if (c.Now >= startAt)
        {
            return null;
        }

        c.Wakes.Add(startAt);
        return new(DecisionCode.WaitingForDisk,
            $"waiting: disk {s.Disk} read by {string.Join(", ", readers)} until about {free.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}; starting at {startAt.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} so its {(startup > TimeSpan.Zero ? $"start-up ({Durations.Format(startup)}) and " : "")}k2pow ({Durations.Format(k)}) end{(startup > TimeSpan.Zero ? "" : "s")} then");
    }

    /// <summary>When the first of the readers is estimated to finish its read; null if any cannot be estimated.</summary>
    private static DateTimeOffset? FirstFreeAt(IReadOnlyList<string> readers, StartContext c)
    {
        DateTimeOffset? first = null;
        foreach (var name in readers)
        {
            if (!c.ByName.TryGetValue(name, out var reader)
                || c.Snapshot.StatusOf(name) is not ServiceStatus.Proving proving
                || c.Estimates.ReadRateOf(reader.Disk) is not { } rate)
            {
                return null;
            }

            var total = ServicePhases.DataBytes(reader, c.Spec.Post);
            var left = total > proving.Position ? total - proving.Position : 0;
            var at = c.Now + TimeSpan.FromSeconds(left / rate);
            first = first is { } f && f < at ? f : at;
        }

        return first;
    }

    private static Blocker? ExclusiveDiskHasRoom(ServiceSpec s, StartContext c)
    {
        var readers = c.Occupancy.ReadersOf(s.Disk);
        return readers.Count < c.Spec.Schedule.PerDisk
            ? null
            : new(DecisionCode.WaitingForDisk, $"waiting: disk {s.Disk} busy with {string.Join(", ", readers)} (per-disk {c.Spec.Schedule.PerDisk})");
    }

    private static Blocker? PowSlotFree(ServiceSpec s, StartContext c)
    {
        var resource = K2PowResource.Of(s, c.Spec);
        var cap = resource.Cap;
        var inK2Pow = K2PowResource.Sharing(s, c.Occupancy.InK2Pow, c);
        if (cap == 0)
        {
            return null;
        }

        if (inK2Pow.Count >= cap)
        {
            // Every service still waiting on this resource is told the same: the text is made once per count.
            if (!c.FullPowBlockers.TryGetValue((resource.Key, inK2Pow.Count), out var full))
            {
                full = new(DecisionCode.WaitingForPow, $"waiting: k2pow slots full with {NameList.Brief(inK2Pow)} ({resource.CapName} {cap})");
                c.FullPowBlockers[(resource.Key, inK2Pow.Count)] = full;
            }

            return full;
        }

        var (held, key) = K2PowReservation.CountAgainst(s, c);
        var overCap = K2PowReservation.OverCapChance(held, cap - inK2Pow.Count, c.PassFailureChance);
        if (inK2Pow.Count + held < cap || overCap * 100 <= c.Spec.Schedule.MaxPowRiskPercent)
        {
            return null;
        }

        if (c.ReserveBlockers.TryGetValue((key, inK2Pow.Count), out var said))
        {
            return said; // its wakes are already in
        }

        var reserved = K2PowReservation.Against(s, c);
        foreach (var slot in reserved)
        {
            if (slot.EndsIn is { } endsIn && endsIn > TimeSpan.Zero)
            {
                c.Wakes.Add(c.Now + endsIn); // the pass ends: the reader delivers or is back in k2pow, either way it is known
            }
        }

        var holders = NameList.Brief(reserved.Select(r => r.EndsIn is { } endsIn
            ? $"{r.Service} (its pass ends about {RoundTo10s(c.Now + endsIn).ToString("HH:mm:ss", CultureInfo.InvariantCulture)} and may need k2pow again)"
            : $"{r.Service} (when its pass ends is not known yet, and it may need k2pow again)"));
        var busy = inK2Pow.Count > 0 ? $", in k2pow: {NameList.Brief(inK2Pow)}" : "";
        var blocker = new Blocker(DecisionCode.WaitingForPowReserve,
            $"waiting: k2pow slot{(reserved.Count > 1 ? "s" : "")} reserved for {holders}; {resource.CapName} {cap}{busy}; starting now would go over it with {overCap.ToString("0.#%", CultureInfo.InvariantCulture)} chance (max-pow-risk {c.Spec.Schedule.MaxPowRiskPercent}%)");
        c.ReserveBlockers[(key, inK2Pow.Count)] = blocker;

        return blocker;
    }

    // The history stores a decision each time its text changes; a predicted end that moves by a second from pass to
    // pass (position advances in 1 MiB steps) must not make a new row every pass.
    private static DateTimeOffset RoundTo10s(DateTimeOffset t) =>
        new(t.UtcTicks + (TimeSpan.TicksPerSecond * 5) - ((t.UtcTicks + (TimeSpan.TicksPerSecond * 5)) % (TimeSpan.TicksPerSecond * 10)), TimeSpan.Zero);

    private static Blocker? RunningSlotFree(ServiceSpec s, StartContext c)
    {
        var cap = c.Spec.Schedule.MaxRunning;
        var running = c.Occupancy.Running.Count;
        if (cap == 0 || running < cap)
        {
            return null;
        }

        // Every service still waiting in the pass is told the same: the text is made once per count.
        if (c.RunningSlotBlocker is not { Running: var said, Blocker: var blocker } || said != running)
        {
            blocker = new(DecisionCode.WaitingForRunningSlot, $"waiting: {running} post-services running (max-running {cap})");
            c.RunningSlotBlocker = (running, blocker);
        }

        return blocker;
    }
}
