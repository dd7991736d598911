using System.Collections.Immutable;
using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>What the planner remembers between passes; it returns the next value in <see cref="Plan.Next"/>.</summary>
public sealed record PlannerMemory(ImmutableDictionary<string, ServiceMemory> Services)
{
    /// <summary>
    /// Prior durations (from history, or the defaults of `postfleet plan`) used where this memory has not measured
    /// a service yet; what the planner measures itself (<see cref="ServiceMemory.LastK2Pow"/>, <see cref="ServiceMemory.LastReadRate"/>) wins.
    /// </summary>
    public ProvingEstimates? Prior { get; init; }

    public static readonly PlannerMemory Empty = new(ImmutableDictionary<string, ServiceMemory>.Empty);

    /// <summary>A node restart the planner is riding out (runs kept with their progress); null when none.</summary>
    public NodeRestart? NodeRestart { get; init; }

    /// <summary>The node did not answer PostStates in the last pass (a restart shows as away, then all IDLE).</summary>
    public bool NodeAway { get; init; }

    public ServiceMemory For(string service) => Services.GetValueOrDefault(service) ?? ServiceMemory.Initial;
}

/// <summary>
/// One service's memory. A "round" is one PROVING episode of its identity (IDLE → PROVING → IDLE), normally one
/// epoch's cycle gap.
/// </summary>
public sealed record ServiceMemory
{
    public static readonly ServiceMemory Initial = new();

    /// <summary>The identity's public key, kept so node events can be matched while PostStates is not answering.</summary>
    public NodeId? Id { get; init; }

    /// <summary>The identity's state at the last pass the node answered; null before the first answer.</summary>
    public NodePostState? LastNodeState { get; init; }

    /// <summary>When this round's PROVING was first seen; events older than this belong to an earlier round.</summary>
    public DateTimeOffset? ProvingSince { get; init; }

    /// <summary>When the identity was first seen IDLE (since its last PROVING); starts the idle-stop grace.</summary>
    public DateTimeOffset? IdleSince { get; init; }

    /// <summary>
    /// The node has this round's proof, on evidence (<see cref="DeliveredBy"/>): its postComplete for the identity,
    /// or the run's hand-over of the proof while the identity is IDLE. PROVING → IDLE alone is no evidence: a
    /// restarted node lists every identity IDLE until it has synced.
    /// </summary>
    public bool Delivered { get; init; }

    /// <summary>What showed the delivery; null while not delivered.</summary>
    public DeliveryEvidence? DeliveredBy { get; init; }

    /// <summary>
    /// The PoET round end the node said it waits for (poetWaitProof) for a round that has not turned PROVING yet; null
    /// when no such round is announced. The node turns identities PROVING one by one as each fetches its PoET proof,
    /// so at the gap's opening an IDLE identity with a round announced is about to prove, not out of the round.
    /// </summary>
    public DateTimeOffset? RoundAnnouncedUntil { get; init; }

    /// <summary>
    /// The publish epoch of the announced round (its poetWaitProof). The PROVING that follows is that epoch's NiPoST,
    /// with that epoch's deadline, even before a postStart names its challenge: a service that never connected has none.
    /// </summary>
    public uint? RoundAnnouncedEpoch { get; init; }

    /// <summary>This round's challenge (hex) from the node's postStart; all zeros for the initial PoST, which has no deadline.</summary>
    public string? RoundChallengeHex { get; init; }

    /// <summary>
    /// This round was already PROVING when the planner first heard from the node (a daemon that just started): its
    /// start was not seen, so which round it is comes only from the node's replayed events.
    /// </summary>
    public bool RoundInherited { get; init; }

    /// <summary>
    /// The publish epoch of this round when no postStart named it (its service never connected): the announced round's
    /// (<see cref="RoundAnnouncedEpoch"/>), or for an inherited round the node's replayed poetWaitRound/poetWaitProof.
    /// The NiPoST of that epoch, whose deadline is then known.
    /// </summary>
    public uint? RoundPublishEpoch { get; init; }

    /// <summary>The current run was last seen with work in hand: /status Proving or DoneProving.</summary>
    public bool RunHoldsWork { get; init; }

    /// <summary>
    /// In this round the current run went from holding work to /status Idle: post-service only forgets a finished
    /// proof when the node fetches it (GenProof on Done → verify → Idle). Cleared by a failure event.
    /// </summary>
    public bool HandedOver { get; init; }

    /// <summary>A run of this service was seen live during this round.</summary>
    public bool RanThisRound { get; init; }

    /// <summary>The run the progress below belongs to.</summary>
    public string? RunId { get; init; }

    /// <summary>The last /status Proving values seen for <see cref="RunId"/>.</summary>
    public ProgressMark? Progress { get; init; }

    /// <summary>When <see cref="Progress"/> last moved (or when the run was first seen).</summary>
    public DateTimeOffset? ProgressChangedAt { get; init; }

    /// <summary>Restarts since the last run that made progress or delivered; drives the backoff.</summary>
    public int Restarts { get; init; }

    public DateTimeOffset? BackoffUntil { get; init; }

    /// <summary>When a stop was asked for the current run; a run that exits after this is not a crash.</summary>
    public DateTimeOffset? StopRequestedAt { get; init; }

    /// <summary>When the current run was first seen reading its data (position &gt; 0); ends its k2pow.</summary>
    public DateTimeOffset? ReadStartedAt { get; init; }

    /// <summary>
    /// Where and when the current pass of the current run was first seen reading; with the position now it gives
    /// this pass's own read rate, which predicts when the pass ends (and may re-enter k2pow). Any pass, not only
    /// the first.
    /// </summary>
    public PassReadMark? PassRead { get; init; }

    /// <summary>
    /// When the current pass's k2pow was first seen, for a pass after the first (a re-entry): the previous pass was
    /// seen reading, so the k2pow began about now. The first pass's k2pow is timed from the run's start instead.
    /// </summary>
    public PassK2PowMark? PassK2Pow { get; init; }

    /// <summary>
    /// How long the last measured k2pow took, its start to its pass's first read; any pass (kept across rounds). A
    /// first pass's k2pow starts at the run's first /status answer (<see cref="K2PowSeenAt"/>), not at its start:
    /// the start-up before it is <see cref="LastStartup"/>, learned apart, since a re-entry has none.
    /// </summary>
    public TimeSpan? LastK2Pow { get; init; }

    /// <summary>
    /// When the current run first answered /status with proving work (position 0): its start-up (fast mode: building
    /// the RandomX dataset, during which post-service's /status blocks) had ended and its first k2pow begun.
    /// </summary>
    public DateTimeOffset? K2PowSeenAt { get; init; }

    /// <summary>How long the last run measured took from its start to its first /status answer (kept across rounds).</summary>
    public TimeSpan? LastStartup { get; init; }

    /// <summary>
    /// Bytes per second of the last pass measured: the bytes that pass read ÷ the time it was seen reading (kept
    /// across rounds). Never the time from the first read to delivery, which counts failed passes' k2pow as reading.
    /// </summary>
    public double? LastReadRate { get; init; }

    /// <summary>
    /// What this service's reads showed of its disk with one reader and with two (kept across rounds): the
    /// two-reader penalty is learned from them (<see cref="ProvingEstimates.TwoReaderPenaltyOf"/>), not assumed.
    /// </summary>
    public ReadSharing Sharing { get; init; } = ReadSharing.None;

    public StopReason? StopRequestedFor { get; init; }

    /// <summary>
    /// The run the node reported a failed proof for (postComplete failure=true in this round while it ran). With a
    /// sticky Done(Err) post-service says DoneProving forever and the node retries in vain: only a restart helps.
    /// </summary>
    public string? ProofFailedRunId { get; init; }

    /// <summary>The node reported a failed proof (postComplete failure=true) in this round.</summary>
    public bool FailedThisRound { get; init; }

    /// <summary>Start of a new round: what was true of the previous one no longer is.</summary>
    internal ServiceMemory NewRound(DateTimeOffset now) =>
        this with
        {
            ProvingSince = now,
            IdleSince = null,
            Delivered = false,
            DeliveredBy = null,
            RanThisRound = false,
            ReadStartedAt = null,
            K2PowSeenAt = null,
            PassRead = null,
            PassK2Pow = null,
            FailedThisRound = false,
            RoundChallengeHex = null,
            RoundInherited = false,
            RoundPublishEpoch = null,
            RoundAnnouncedUntil = null,
            RoundAnnouncedEpoch = null,
            HandedOver = false,
        };
}

/// <summary>What showed that the node has this round's proof.</summary>
public enum DeliveryEvidence
{
    /// <summary>The node's postComplete (success) for the identity in this round.</summary>
    PostComplete,

    /// <summary>The run's /status went from proving (or DoneProving) to Idle while the identity was IDLE: the node fetched it.</summary>
    HandedOver,
}

/// <summary>
/// A node restart seen by the planner: every identity turned IDLE at once, with corroboration (the node was away,
/// its event stream re-subscribed, or it says it is not synced), while runs hold proving progress.
/// </summary>
/// <param name="Since">When the all-IDLE was first seen.</param>
/// <param name="Evidence">What showed it, for people ("event stream re-subscribed, is_synced false").</param>
/// <param name="Kept">Runs kept with their progress in this pass.</param>
public sealed record NodeRestart(DateTimeOffset Since, string Evidence, int Kept)
{
    public string Describe() => $"node restarted / syncing: keeping {Kept} proof{(Kept == 1 ? "" : "s")} in progress ({Evidence})";
}

/// <summary>Progress as /status shows it. Any change of nonces or position is progress.</summary>
public readonly record struct ProgressMark(ulong NonceStart, ulong NonceEnd, ulong Position)
{
    public static ProgressMark Of(ServiceStatus.Proving proving) => new(proving.NonceStart, proving.NonceEnd, proving.Position);

    /// <summary>
    /// The mark of any /status: a Proving body's nonces and position; for a body we cannot read, its fingerprint
    /// (with no nonces), so a newer service whose answers keep changing is not judged hung. Null when /status
    /// shows no proving work.
    /// </summary>
    public static ProgressMark? Of(ServiceStatus? status) => status switch
    {
        ServiceStatus.Proving proving => Of(proving),
        ServiceStatus.Unrecognised unrecognised => new(ulong.MaxValue, ulong.MaxValue, Fingerprint(unrecognised.Body)),
        _ => null,
    };

    /// <summary>FNV-1a: stable across processes, unlike string.GetHashCode.</summary>
    private static ulong Fingerprint(string body)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in body)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}

/// <summary>
/// The first sight of a pass reading: its nonces (which name the pass), the position and when; and the last sight
/// of it reading, which ends the pass's read time when the pass ends unseen (a proof found early, or a missed k2pow).
/// </summary>
public readonly record struct PassReadMark(ulong NonceStart, ulong Position, DateTimeOffset At, ulong LastPosition, DateTimeOffset LastAt)
{
    /// <summary>Readers of the disk (this one included) at the last sight; 0 when not known.</summary>
    public int LastReaders { get; init; }

    public PassReadMark(ulong nonceStart, ulong position, DateTimeOffset at)
        : this(nonceStart, position, at, position, at)
    {
    }

    /// <summary>Bytes per second from the first to the last sight of this pass reading; null until it has moved.</summary>
    public double? SeenRate => RateAt(LastPosition, LastAt);

    /// <summary>Bytes per second this pass has read since it was first seen reading; null until it has moved.</summary>
    public double? RateAt(ulong position, DateTimeOffset now) =>
        position > Position && now > At ? (position - Position) / (now - At).TotalSeconds : null;
}

/// <summary>
/// Bytes read and seconds spent reading between two looks that both saw the same number of readers on the disk:
/// alone, and with one other reader. Two looks that disagree say nothing (the other read began or ended in between).
/// </summary>
public sealed record ReadSharing(double SoloBytes, double SoloSeconds, double SharedBytes, double SharedSeconds)
{
    public static readonly ReadSharing None = new(0, 0, 0, 0);

    /// <summary>Adds one stretch between two looks that saw <paramref name="readers"/> readers; more than two are not kept.</summary>
    public ReadSharing Add(int readers, double bytes, double seconds) => readers switch
    {
        1 => this with { SoloBytes = SoloBytes + bytes, SoloSeconds = SoloSeconds + seconds },
        2 => this with { SharedBytes = SharedBytes + bytes, SharedSeconds = SharedSeconds + seconds },
        _ => this,
    };
}

/// <summary>A pass after the first seen entering k2pow: its nonces and when.</summary>
public readonly record struct PassK2PowMark(ulong NonceStart, DateTimeOffset Since);
