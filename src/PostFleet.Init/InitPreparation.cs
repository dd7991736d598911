using System.Collections.Immutable;
using PostFleet.Core.Init;

namespace PostFleet.Init;

/// <summary>
/// The result of looking before leaping: the plan (null when the commitment ATX could not be resolved) and every
/// problem found. Nothing has been created, changed or deleted when this exists.
/// </summary>
public sealed record InitPreparation(
    InitRequest Request,
    InitPlan? Plan,
    string CommitmentSource,
    string IdentitiesDirectory,
    string LogDirectory,
    ImmutableArray<InitProblem> Problems)
{
    public bool CanRun => Plan is not null && Problems.IsEmpty;
}

public enum InitStatus
{
    /// <summary>Every selected identity is verified complete and its key is in place.</summary>
    Completed,

    /// <summary>--dry-run: the plan was printed, nothing touched.</summary>
    DryRun,

    /// <summary>The checks before any work failed; nothing touched.</summary>
    Refused,

    /// <summary>At least one identity failed; the others are done or can be resumed.</summary>
    Failed,

    /// <summary>Interrupted (Ctrl-C); a re-run resumes.</summary>
    Cancelled,
}

/// <summary>How one identity ended in this run.</summary>
public sealed record IdentityResult(string Name, IdentityInitState State, ImmutableArray<InitProblem> Problems, string? LogPath);

public sealed record InitOutcome(
    InitStatus Status,
    InitPreparation Preparation,
    ImmutableArray<IdentityResult> Identities,
    ImmutableArray<string> NeedNodeRestart,
    string? LocalKeyBackup)
{
    /// <summary>0 done or dry run; 1 an identity failed; 2 refused before any work; 130 interrupted (as after SIGINT).</summary>
    public int ExitCode => Status switch
    {
        InitStatus.Completed or InitStatus.DryRun => 0,
        InitStatus.Failed => 1,
        InitStatus.Refused => 2,
        InitStatus.Cancelled => 130,
        _ => 1,
    };

    public IEnumerable<InitProblem> Problems => Preparation.Problems.Concat(Identities.SelectMany(i => i.Problems));
}
