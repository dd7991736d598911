namespace PostFleet.Simulator.Node;

/// <summary>
/// The network's clock in wall-clock terms: every duration here is already divided by the time scale,
/// so the node serves and waits on exactly these values.
/// </summary>
public sealed record NetworkParameters(
    DateTimeOffset Genesis,
    TimeSpan LayerDuration,
    uint LayersPerEpoch,
    TimeSpan PhaseShift,
    TimeSpan CycleGap,
    TimeSpan GracePeriod)
{
    public TimeSpan EpochDuration => LayerDuration * LayersPerEpoch;
}

/// <summary>The node's `post` section plus the scrypt N of `smeshing-opts`; not scaled.</summary>
public sealed record PostParameters(ulong LabelsPerUnit, uint K1, uint K2, uint MinNumUnits, uint MaxNumUnits, ulong ScryptN)
{
    /// <summary>Labels are 16 bytes in every version.</summary>
    public const uint BitsPerLabel = 128;
}
