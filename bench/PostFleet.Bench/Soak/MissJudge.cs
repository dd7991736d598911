namespace PostFleet.Bench.Soak;

/// <summary>A proof the node wanted and did not get, and why no orchestrator could have saved it (or that one could).</summary>
public sealed record SoakMiss(long Epoch, string Service, bool Unavoidable, string Rule, string Why)
{
    public override string ToString() => $"  epoch {Epoch} {Service}: {(Unavoidable ? "unavoidable" : "DEFECT")} [{Rule}] {Why}";
}

/// <summary>The soak's network as the judge needs it: which disk each identity is on, and the §7 timeline in wall time.</summary>
public sealed record SoakNetwork(IReadOnlyDictionary<string, string> DiskOf, TimeSpan EpochDuration, TimeSpan PhaseShift, TimeSpan GracePeriod, TimeSpan ReconnectInterval, TimeSpan RestartBackoff)
{
    public IEnumerable<string> DiskMates(string service) => DiskOf.Keys.Where(s => DiskOf[s] == DiskOf[service]).Order(StringComparer.Ordinal);

    /// <summary>The proof deadline minus the gap's end (the next PoET round's start): epoch − phase shift.</summary>
    public TimeSpan ProofDeadlineAfterGap => EpochDuration - PhaseShift;
}

/// <summary>
/// Classifies every missed proof of a soak from the records alone (the node's, the post-services', the faults'):
/// unavoidable when one of the rules below says no orchestrator could have delivered it, naming the rule; a defect
/// otherwise. A skipped epoch (no proof request: the one before was late for the next PoET round, or failed) is
/// judged by why the one before was late, against the gap's end instead of the deadline.
///
/// "Work" is measured, not assumed: an identity's turn is the median, over the epochs no fault touched, of the time
/// from when it could start (its PROVING, or the delivery of the identity before it on its disk) to the node having
/// its proof: start-up, connect, k2pow, read, failed passes, and the orchestrator's own reaction.
/// </summary>
public sealed class MissJudge(SoakNetwork network, IReadOnlyList<SoakLine> node, IReadOnlyList<SoakLine> services, IReadOnlyList<SoakFault> faults)
{
    /// <summary>When each post-service process was launched (by pid), from the daemon's start lines; else its `started` line counts.</summary>
    public IReadOnlyDictionary<int, DateTimeOffset> Launches { get; init; } = new Dictionary<int, DateTimeOffset>();

    private readonly Dictionary<string, TimeSpan> _turns = [];
    private long _first;

    /// <summary>Faults that hold a proof of this service back while they last (the others must not cost a proof).</summary>
    public static bool Holds(SoakFault f, string service, SoakNetwork network) => f.Kind switch
    {
        "node-restart-sync" or "node-clock-jump" or "daemon-kill" => true,
        "kill-service-k2pow" or "kill-service-read" => network.DiskOf.TryGetValue(f.Target, out var disk) && disk == network.DiskOf[service],
        _ => false,
    };

    public IReadOnlyList<SoakMiss> Judge(long first, long last)
    {
        _first = first;
        var misses = new List<SoakMiss>();
        for (var epoch = first; epoch <= last; epoch++)
        {
            foreach (var service in network.DiskOf.Keys.Order(StringComparer.Ordinal))
            {
                if (Requests(service, epoch).Count == 0)
                {
                    misses.Add(Skipped(service, epoch));
                }
                else if (Delivery(service, epoch) is null)
                {
                    misses.Add(Missed(service, epoch));
                }
            }
        }

        return misses;
    }

    public IReadOnlyList<SoakLine> Requests(string service, long epoch) =>
        [.. node.Where(l => l.Event == "proof-requested" && l.PublishEpoch == epoch && l.Identity == service)];

    public SoakLine? Delivery(string service, long epoch) =>
        node.FirstOrDefault(l => l.Event == "proof-delivered" && l.PublishEpoch == epoch && l.Identity == service);

    private SoakMiss Missed(string service, long epoch)
    {
        var request = Requests(service, epoch)[0];
        var failure = node.LastOrDefault(l => l.Event == "proof-failed" && l.Identity == service && l.Time >= request.Time && l.Time <= request.Deadline!.Value.AddSeconds(1));
        var (unavoidable, rule, why) = Explain(service, epoch, request.Time, request.Deadline!.Value, "deadline");
        return new SoakMiss(epoch, service, unavoidable, rule, $"{failure?.Reason ?? "not delivered"}; {why}");
    }

    private SoakMiss Skipped(string service, long epoch)
    {
        if (Expired(service, epoch) is { } expired)
        {
            return expired;
        }

        var before = Requests(service, epoch - 1);
        if (before.Count == 0)
        {
            return Expired(service, epoch - 1) is { } earlier ? earlier with { Epoch = epoch, Rule = "follows-expired-challenge", Why = $"no proof request for epoch {epoch} nor {epoch - 1}: {earlier.Why}" } : NoChallenge(service, epoch);
        }

        if (epoch - 1 < _first)
        {
            // The epoch before the count began: the initial PoSTs still queue on the disks then.
            return new SoakMiss(epoch, service, true, "follows-start-up", $"no proof request: epoch {epoch - 1}, during the start-up's initial PoSTs, was not counted and its proof came late or not at all");
        }

        var request = before[0];
        var delivered = Delivery(service, epoch - 1);
        if (delivered is null)
        {
            // §8: a proof missed at its deadline also costs the next epoch (the round for it started meanwhile).
            var previous = Missed(service, epoch - 1);
            return previous with { Epoch = epoch, Rule = previous.Unavoidable ? "follows-missed-epoch" : previous.Rule, Why = $"no proof request: epoch {epoch - 1}'s proof was missed ({previous.Rule}: {previous.Why})" };
        }

        var gapEnd = request.Deadline!.Value - network.ProofDeadlineAfterGap;
        // The node decides with its own clock, right after the delivery, whether the next round has begun.
        if (delivered.Time < gapEnd && faults.FirstOrDefault(f => f.Kind == "node-clock-jump" && f.Start <= delivered.Time && f.End >= delivered.Time && delivered.Time + ClockOffset(f) >= gapEnd) is { } ahead)
        {
            return new SoakMiss(epoch, service, true, "node-clock-ahead-at-gap-end",
                $"no proof request: epoch {epoch - 1}'s proof came {(delivered.Time - request.Time).TotalSeconds:0.0}s after PROVING, before the gap's end {(gapEnd - request.Time).TotalSeconds:0.0}s in, but the node's clock was {ClockOffset(ahead).TotalSeconds:0.0}s ahead ({ahead}): by its clock the next PoET round had begun");
        }

        var (unavoidable, rule, why) = Explain(service, epoch - 1, request.Time, gapEnd, "gap end (next PoET round)");
        return new SoakMiss(epoch, service, unavoidable, rule,
            $"no proof request: epoch {epoch - 1}'s proof came {(delivered.Time - request.Time).TotalSeconds:0.0}s after PROVING, after the gap's end {(gapEnd - request.Time).TotalSeconds:0.0}s in; {why}");
    }

    /// <summary>
    /// §8: the node fetches its PoET proof after the round ends and gives the challenge up when it has none by
    /// <c>epochStart(P+1) − CG</c>: its own ATX step, before any proof is asked for (a node away, syncing or starved then).
    /// </summary>
    private SoakMiss? Expired(string service, long epoch) =>
        node.FirstOrDefault(l => l.Event == "challenge-expired" && l.Identity == service && l.PublishEpoch == epoch) is { } expired
            ? new SoakMiss(epoch, service, true, "poet-proof-expired", $"the node gave up the challenge at {expired.Time:HH:mm:ss.f} ({expired.Reason}){Around(expired.Time)}")
            : null;

    private string Around(DateTimeOffset at) =>
        faults.Where(f => f.Kind.StartsWith("node", StringComparison.Ordinal) && f.Start <= at && f.End >= at.AddSeconds(-10)).Select(f => "; " + f).FirstOrDefault() ?? "; no node fault: the node's process woke late";

    /// <summary>
    /// Neither this epoch nor the one before had a proof request: the node never built this epoch's challenge. It
    /// builds it (registers at the PoET) between <c>epochStart(E−1) + PS − GP</c> and the round's start
    /// <c>epochStart(E−1) + PS</c>, only when synced (BuildNIPostChallenge waits on RegisterForATXSynced); nothing an
    /// orchestrator does enters into it but an earlier proof, which there was none of.
    /// </summary>
    private SoakMiss NoChallenge(string service, long epoch)
    {
        var anchor = node.FirstOrDefault(l => l.Event == "proof-requested" && l.PublishEpoch is not null && l.Deadline is not null);
        if (anchor is null)
        {
            return new SoakMiss(epoch, service, false, "defect", $"no proof request for epoch {epoch} nor {epoch - 1}, and none at all");
        }

        // The node built this epoch's challenge but was restarting or syncing when it would have asked for the proof,
        // and gave the challenge up afterwards: it never asked, so no orchestrator had anything to deliver.
        if (node.FirstOrDefault(l => l.Event == "challenge-built" && l.Identity == service && l.PublishEpoch == epoch) is { } built
            && node.FirstOrDefault(l => l.Event == "challenge-stale" && l.Identity == service && l.PublishEpoch == epoch) is { } stale
            && faults.FirstOrDefault(f => f.Kind == "node-restart-sync" && f.Start >= built.Time && f.Start <= stale.Time) is { } restart)
        {
            return new SoakMiss(epoch, service, true, "node-syncing-when-asked",
                $"no proof request for epoch {epoch}: the node built its challenge at {built.Time:HH:mm:ss.f}, then restarted ({restart}) and gave the challenge up at {stale.Time:HH:mm:ss.f} without asking for the proof");
        }

        var epochStart = anchor.Deadline!.Value + (network.EpochDuration * (epoch - 1 - (anchor.PublishEpoch!.Value + 1)));
        var (opens, closes) = (epochStart + network.PhaseShift - network.GracePeriod, epochStart + network.PhaseShift);
        var away = faults.FirstOrDefault(f => f.Kind == "node-restart-sync" && f.Start <= closes && f.End >= opens);
        return away is not null
            ? new SoakMiss(epoch, service, true, "node-syncing-at-registration", $"no proof request for epoch {epoch} nor {epoch - 1}: the node was away or syncing ({away}) while this epoch's challenge was due ({opens:HH:mm:ss.f}-{closes:HH:mm:ss.f})")
            : new SoakMiss(epoch, service, false, "defect", $"no proof request for epoch {epoch} nor {epoch - 1}, and the node was up and synced while its challenge was due ({opens:HH:mm:ss.f}-{closes:HH:mm:ss.f})");
    }

    /// <summary>The rules, in order; the first that holds names why the proof could not be had by <paramref name="until"/>.</summary>
    private (bool Unavoidable, string Rule, string Why) Explain(string service, long epoch, DateTimeOffset from, DateTimeOffset until, string what)
    {
        var mates = network.DiskMates(service).ToList();
        var holding = faults.Where(f => !f.Missed && f.Start < until && f.End > from.AddSeconds(-1) && Holds(f, service, network)).ToList();

        // A clock ahead when the node asked: its context deadline (set from its own now) ends that much earlier.
        foreach (var jump in holding.Where(f => f.Kind == "node-clock-jump" && f.Start <= from && ClockOffset(f) > TimeSpan.Zero))
        {
            var effective = until - ClockOffset(jump);
            var work = DueOnDisk(mates, epoch, from);
            if (effective - from < work)
            {
                return (true, "node-clock-ahead", $"the node's clock was {ClockOffset(jump).TotalSeconds:0.0}s ahead when it asked ({jump}): its {what} came {(effective - from).TotalSeconds:0.0}s after PROVING, less than the {work.TotalSeconds:0.0}s of work due on disk {network.DiskOf[service]}");
            }
        }

        foreach (var fault in holding.OrderByDescending(f => f.End))
        {
            var free = fault.End + Allowance(fault);

            // The typical turns still due, or what they took after the fault when that was more (a restarted service
            // whose passes failed and re-entered k2pow, a slow start): machine time either way.
            var work = Max(DueOnDisk(mates, epoch, fault.End), WorkAfter(mates, epoch, fault.End, until));
            if (until - free < work)
            {
                var rule = fault.Kind switch
                {
                    "node-restart-sync" when fault.End >= until => "node-syncing-past-" + (what == "deadline" ? "deadline" : "gap"),
                    "node-restart-sync" => "node-restart-left-too-little",
                    "daemon-kill" => "daemon-down-left-too-little",
                    "node-clock-jump" => "node-clock-jump-left-too-little",
                    _ when fault.Target == service => "service-crashed-in-window",
                    _ => "disk-mate-crashed-in-window",
                };
                return (true, rule, $"{fault}; after it (+{Allowance(fault).TotalSeconds:0.0}s {AllowanceName(fault)}) {Math.Max(0, (until - free).TotalSeconds):0.0}s were left to the {what}, less than the {work.TotalSeconds:0.0}s of work due on disk {network.DiskOf[service]}");
            }
        }

        // Not the identities' typical turns here: a turn includes the orchestrator's own reaction, which is what is judged.
        // Exclusive per-disk 1 runs one whole service at a time: its start-up, connection, k2pow and reads, which no
        // orchestrator can shorten (only its own reaction in between). When they alone fill the window, it is the machine.
        var measured = ServiceWork(mates, epoch, from, until);
        if (measured.Total + (ReactionAllowance * measured.Starts) > until - from)
        {
            return (true, "disk-work-exceeds-window", $"{(holding.Count == 0 ? "no fault" : string.Join(", ", holding))}; the services of disk {network.DiskOf[service]} took {measured.Text} from their launch to handing over the proof, more than the {(until - from).TotalSeconds:0.0}s to the {what}");
        }

        return (false, "defect", $"{(holding.Count == 0 ? "no fault held it back" : "held back by " + string.Join(", ", holding) + ", with time left")}; {(until - from).TotalSeconds:0.0}s to the {what}, and the services of disk {network.DiskOf[service]} took {measured.Text} from their launch to handing over the proof");
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private TimeSpan Allowance(SoakFault fault) => fault.Kind switch
    {
        // post-service dials again only every reconnect interval (not scaled): a node restart costs up to that.
        "node-restart-sync" => network.ReconnectInterval,
        "kill-service-k2pow" or "kill-service-read" => network.RestartBackoff,
        _ => TimeSpan.Zero,
    };

    private static string AllowanceName(SoakFault fault) => fault.Kind switch
    {
        "node-restart-sync" => "post-service's reconnect interval",
        "kill-service-k2pow" or "kill-service-read" => "restart backoff",
        _ => "",
    };

    private static TimeSpan ClockOffset(SoakFault jump) =>
        double.TryParse(jump.Detail.Split(' ')[0].TrimEnd('s'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) ? TimeSpan.FromSeconds(s) : TimeSpan.Zero;

    /// <summary>The typical turns of the identities of this disk that had not delivered this epoch's proof at <paramref name="at"/>.</summary>
    private TimeSpan DueOnDisk(IEnumerable<string> mates, long epoch, DateTimeOffset at) =>
        mates.Where(m => Requests(m, epoch).Count > 0 && !(Delivery(m, epoch)?.Time <= at)).Aggregate(TimeSpan.Zero, (sum, m) => sum + Turn(m));

    /// <summary>
    /// What the identities of the disk not delivered at <paramref name="at"/> needed after it: a run launched after it
    /// that handed its proof over, its launch-to-hand-over; one that did not, at least its typical turn (it was cut
    /// short); plus the reaction allowance per start.
    /// </summary>
    private TimeSpan WorkAfter(IEnumerable<string> mates, long epoch, DateTimeOffset at, DateTimeOffset until)
    {
        var due = mates.Where(m => Requests(m, epoch).Count > 0 && !(Delivery(m, epoch)?.Time <= at)).ToList();
        var runs = ServiceWork(due, epoch, at, until).Parts;
        return due.Aggregate(TimeSpan.Zero, (sum, m) => sum + ReactionAllowance + (runs.FirstOrDefault(r => r.Service == m) is { Service: not null } run
            ? run.Handed ? run.Work : Max(run.Work, Turn(m))
            : Turn(m)));
    }

    /// <summary>
    /// What any orchestrator needs per start to see that it may start: the node says nothing when it asks for a proof,
    /// so it polls PostStates, and PostFleet does so every half second in the gap (Requeue.GapPoll).
    /// </summary>
    public static readonly TimeSpan ReactionAllowance = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The post-services' own time this epoch on the disk: from each run's launch (the process's start time the daemon
    /// logged; its `started` line if unknown) to its proof's hand-over, for the runs that handed this epoch's proof over (or ran until the window's end).
    /// </summary>
    private (TimeSpan Total, int Starts, string Text, IReadOnlyList<(string Service, TimeSpan Work, bool Handed)> Parts) ServiceWork(IEnumerable<string> mates, long epoch, DateTimeOffset from, DateTimeOffset until)
    {
        var parts = new List<(string Service, TimeSpan Work, bool Handed)>();
        foreach (var mate in mates.Where(m => Requests(m, epoch).Count > 0))
        {
            var lines = services.Where(l => l.Service == mate && l.Time >= from.AddSeconds(-1) && l.Time <= until.AddSeconds(5)).ToList();
            var handed = lines.FirstOrDefault(l => l.Event == "proof-handed-over");
            var end = handed?.Time ?? until;
            var started = lines.LastOrDefault(l => l.Event == "started" && l.Time <= end);
            if (started is not null)
            {
                var launched = Launches.TryGetValue(started.Pid, out var at) && at <= started.Time ? at : started.Time;
                parts.Add((mate, (end < until || handed is not null ? end : until) - launched, handed is not null));
            }
        }

        var total = parts.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Work);
        return (total, parts.Count, string.Join(" + ", parts.Select(p => $"{p.Service} {p.Work.TotalSeconds:0.0}s")) + (parts.Count == 0 ? "nothing (never launched)" : $" (+{ReactionAllowance.TotalSeconds:0.0}s per start to see the node's ask)"), parts);
    }

    /// <summary>The median turn of an identity over the epochs no fault touched (3 s when it has none).</summary>
    public TimeSpan Turn(string service)
    {
        if (_turns.TryGetValue(service, out var known))
        {
            return known;
        }

        var turns = new List<TimeSpan>();
        foreach (var delivery in node.Where(l => l.Event == "proof-delivered" && l.Identity == service && l.Kind == "nipost" && l.PublishEpoch is not null))
        {
            var epoch = delivery.PublishEpoch!.Value;
            var request = Requests(service, epoch).FirstOrDefault();
            if (request is null || faults.Any(f => f.Start < request.Deadline && f.End > request.Time.AddSeconds(-1)))
            {
                continue;
            }

            var before = network.DiskMates(service).Select(m => Delivery(m, epoch)?.Time).Where(t => t < delivery.Time).DefaultIfEmpty(request.Time).Max()!.Value;
            turns.Add(delivery.Time - (before > request.Time ? before : request.Time));
        }

        turns.Sort();
        return _turns[service] = turns.Count == 0 ? TimeSpan.FromSeconds(3) : turns[turns.Count / 2];
    }
}
