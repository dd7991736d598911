namespace PostFleet.Core.Timeline;

/// <summary>The network clock as the node serves it (MeshService or v2alpha1 NetworkService.Info).</summary>
public sealed record NetworkClock(DateTimeOffset Genesis, TimeSpan LayerDuration, uint LayersPerEpoch)
{
    public TimeSpan EpochDuration => LayerDuration * LayersPerEpoch;

    public DateTimeOffset EpochStart(uint epoch) => Genesis + (EpochDuration * epoch);

    /// <summary>The layer at <paramref name="now"/>; 0 before genesis, as the node reports it.</summary>
    public uint LayerAt(DateTimeOffset now) =>
        now <= Genesis ? 0 : (uint)((now - Genesis).Ticks / LayerDuration.Ticks);

    public uint EpochAt(DateTimeOffset now) => LayerAt(now) / LayersPerEpoch;
}

/// <summary>PoET timings; no node API serves them, so they come from the orchestrator's config.</summary>
public sealed record PoetTimings(TimeSpan PhaseShift, TimeSpan CycleGap, TimeSpan GracePeriod);
