namespace PostFleet.Core.Timeline;

/// <summary>
/// The proving window for the ATX of one publish epoch P (spacemesh-node.md §7): the node turns identities PROVING
/// when the PoET round ends (<see cref="Opens"/>); proofs should be in before the next challenge is built
/// (<see cref="NextChallengeAt"/>) and before the next round starts (<see cref="Closes"/>) to keep a gap-free ATX
/// chain; after <see cref="ProofDeadline"/> (end of the publish epoch) the node gives up.
/// </summary>
public sealed record CycleGapWindow(
    uint PublishEpoch,
    DateTimeOffset Opens,
    DateTimeOffset NextChallengeAt,
    DateTimeOffset Closes,
    DateTimeOffset ProofDeadline)
{
    public bool IsOpen(DateTimeOffset now) => Opens <= now && now < Closes;

    public TimeSpan Length => Closes - Opens;
}
