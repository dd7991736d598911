using System.Collections.Immutable;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Init;

public enum IdentityInitAction
{
    /// <summary>Empty or missing folder: postcli creates the identity and all files.</summary>
    Initialize,

    /// <summary>Our data, not complete: postcli continues from the file sizes.</summary>
    Resume,

    /// <summary>Verified complete: no postcli run, only the key installation.</summary>
    AlreadyComplete,
}

public sealed record IdentityPlan(
    ServiceSpec Service,
    PostDataLayout Layout,
    IdentityInitAction Action,
    ulong BytesWritten,
    IReadOnlyList<string> PostcliArguments)
{
    public string Name => Service.Name;

    public ulong BytesNeeded => Action == IdentityInitAction.AlreadyComplete ? 0 : Layout.TotalBytes - Math.Min(BytesWritten, Layout.TotalBytes);

    public InitJob Job => new(Service.Name, Service.Disk);
}

/// <summary>
/// Everything `postfleet init` will do, decided before it does any of it. When <see cref="Problems"/> is not empty
/// nothing runs: every problem is reported at once so one fix-and-retry round is enough.
/// </summary>
public sealed record InitPlan(
    ImmutableArray<IdentityPlan> Identities,
    InitCaps Caps,
    CommitmentAtx Commitment,
    string PostcliBinary,
    bool MoveLocalKey,
    ImmutableArray<InitProblem> Problems)
{
    public bool CanRun => Problems.IsEmpty;

    public IEnumerable<IdentityPlan> ToRun => Identities.Where(i => i.Action != IdentityInitAction.AlreadyComplete);

    public ulong BytesNeeded => Identities.Aggregate(0UL, (sum, i) => sum + i.BytesNeeded);
}

/// <summary>Free space where an identity's data folder is (or will be): the filesystem and what it has left.</summary>
public sealed record VolumeSpace(string VolumeId, ulong AvailableBytes);
