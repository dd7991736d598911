using System.Collections.Immutable;

namespace PostFleet.Core.Init;

/// <summary>
/// What one PoST data folder holds right now, read without changing anything. Text files are kept as their raw
/// content so the rules, not the reader, decide what is valid.
/// </summary>
public sealed record PostDataObservation(
    string DataDir,
    bool Exists,
    ImmutableSortedDictionary<int, ulong> BinFileSizes,
    string? MetadataJson,
    string? IdentityKey)
{
    public const string IdentityKeyFileName = "identity.key";

    public static PostDataObservation Missing(string dataDir) =>
        new(dataDir, false, ImmutableSortedDictionary<int, ulong>.Empty, null, null);

    /// <summary>The reliable progress signal: what postcli has written so far.</summary>
    public ulong BytesWritten => BinFileSizes.Values.Aggregate(0UL, (sum, size) => sum + size);

    public bool IsEmpty => BinFileSizes.IsEmpty && MetadataJson is null && IdentityKey is null;
}
