namespace PostFleet.Core.Timeline;

/// <summary>Epoch, PoET round and cycle-gap arithmetic of spacemesh-node.md §7. Pure: <c>now</c> is a parameter.</summary>
public sealed class NetworkTimeline(NetworkClock clock, PoetTimings poet)
{
    public NetworkClock Clock { get; } = clock;

    public PoetTimings Poet { get; } = poet;

    /// <summary>Start of PoET round <paramref name="round"/>, which serves the ATXs of publish epoch round+1.</summary>
    public DateTimeOffset RoundStart(uint round) => Clock.EpochStart(round) + Poet.PhaseShift;

    public CycleGapWindow CycleGap(uint publishEpoch)
    {
        if (publishEpoch == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(publishEpoch), "no PoET round ends before genesis: publish epochs start at 1");
        }

        var epochStart = Clock.EpochStart(publishEpoch);
        var closes = epochStart + Poet.PhaseShift;
        return new CycleGapWindow(
            publishEpoch,
            Opens: closes - Poet.CycleGap,
            NextChallengeAt: closes - Poet.GracePeriod,
            Closes: closes,
            ProofDeadline: Clock.EpochStart(publishEpoch + 1));
    }

    /// <summary>The window that is open at <paramref name="now"/>, or else the next one to open.</summary>
    public CycleGapWindow CurrentOrNextCycleGap(DateTimeOffset now)
    {
        var sinceFirstClose = now - Clock.Genesis - Poet.PhaseShift;
        var completed = sinceFirstClose < TimeSpan.Zero ? -1 : sinceFirstClose.Ticks / Clock.EpochDuration.Ticks;
        return CycleGap((uint)Math.Max(1, completed + 1));
    }

    /// <summary>
    /// The window whose proofs are due at <paramref name="now"/>: the open one, else the last one to close while
    /// its proof deadline has not passed (the node still takes proofs until then), else the next one.
    /// </summary>
    public CycleGapWindow ProvingCycleGap(DateTimeOffset now)
    {
        var gap = CurrentOrNextCycleGap(now);
        if (gap.IsOpen(now) || gap.PublishEpoch <= 1)
        {
            return gap;
        }

        var previous = CycleGap(gap.PublishEpoch - 1);
        return now < previous.ProofDeadline ? previous : gap;
    }
}
