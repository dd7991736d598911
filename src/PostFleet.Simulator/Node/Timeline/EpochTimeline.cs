namespace PostFleet.Simulator.Node;

/// <summary>
/// The epoch / PoET arithmetic of go-spacemesh's ATX builder (fact sheet §7), pure: `now` is always a parameter.
/// For an ATX with publish epoch P the challenge is built in epoch P−1, the PoET round runs across the epoch
/// boundary, and the PoST must happen in the cycle gap that follows the round, before epoch P+1 starts.
/// </summary>
public sealed class EpochTimeline(NetworkParameters network)
{
    public NetworkParameters Network { get; } = network;

    public DateTimeOffset LayerToTime(ulong layer) => Network.Genesis + (Network.LayerDuration * layer);

    /// <summary>⌊(now−G)/D⌋, and 0 before genesis like the node's layer clock.</summary>
    public uint CurrentLayer(DateTimeOffset now) =>
        now <= Network.Genesis ? 0 : (uint)((now - Network.Genesis).Ticks / Network.LayerDuration.Ticks);

    public uint CurrentEpoch(DateTimeOffset now) => CurrentLayer(now) / Network.LayersPerEpoch;

    public DateTimeOffset EpochStart(uint epoch) => Network.Genesis + (Network.EpochDuration * epoch);

    /// <summary>PoET round `epoch` starts (and registration for it closes) one phase shift into the epoch.</summary>
    public DateTimeOffset PoetRoundStart(uint epoch) => EpochStart(epoch) + Network.PhaseShift;

    /// <summary>When the challenge for publish epoch P is built: the grace period before round P−1 starts.</summary>
    public DateTimeOffset ChallengeBuildTime(uint publishEpoch) => PoetRoundStart(publishEpoch - 1) - Network.GracePeriod;

    /// <summary>The PoET round for publish epoch P ends here and the cycle gap opens: identities turn PROVING.</summary>
    public DateTimeOffset RoundEnd(uint publishEpoch) => EpochStart(publishEpoch) + Network.PhaseShift - Network.CycleGap;

    /// <summary>The next round starts here; a PoST finished later costs the next epoch.</summary>
    public DateTimeOffset CycleGapEnd(uint publishEpoch) => PoetRoundStart(publishEpoch);

    /// <summary>No PoET proof by then → the challenge expires and the identity never proves for P.</summary>
    public DateTimeOffset PoetProofDeadline(uint publishEpoch) => EpochStart(publishEpoch + 1) - Network.CycleGap;

    /// <summary>PoST and ATX must be done before the publish epoch ends.</summary>
    public DateTimeOffset PublishEpochEnd(uint publishEpoch) => EpochStart(publishEpoch + 1);

    /// <summary>
    /// Which publish epoch a challenge built now targets, and when to build it: the one whose PoET round has not
    /// started yet (if this epoch's round already started, the node targets the epoch after).
    /// </summary>
    public (uint PublishEpoch, DateTimeOffset BuildAt) NextChallenge(DateTimeOffset now)
    {
        var current = CurrentEpoch(now);
        var publish = now >= PoetRoundStart(current) ? current + 2 : current + 1;
        return (publish, ChallengeBuildTime(publish));
    }

    /// <summary>The node fetches PoET proofs a little after the round end: uniform in [0.0002·CG, 0.0004·CG].</summary>
    public TimeSpan RoundEndJitter(double unit) =>
        TimeSpan.FromTicks((long)(Network.CycleGap.Ticks * (0.0002 + (0.0002 * Math.Clamp(unit, 0, 1)))));

    /// <summary>Where the ATX loop retries after a failure: the start of the next layer (≈ one layer).</summary>
    public DateTimeOffset NextLayerStart(DateTimeOffset now) => LayerToTime(CurrentLayer(now) + 1UL);
}
