namespace PostFleet.Core.Init;

/// <summary>
/// One reason `postfleet init` refuses to start, or an identity is not complete. <see cref="Subject"/> names the
/// service, file or config field; <see cref="Message"/> says what is wrong and what would be right.
/// </summary>
public sealed record InitProblem(InitProblemKind Kind, string Subject, string Message)
{
    public override string ToString() => $"{Subject}: {Message}";
}

/// <summary>Every distinct problem has its own kind so callers and tests can tell them apart without parsing text.</summary>
public enum InitProblemKind
{
    // Before any work: inputs and environment.
    UnknownIdentity,
    InvalidOption,
    CommitmentInvalid,
    NodeUnreachable,
    PostcliMissing,
    PostcliNotExecutable,
    NotWritable,
    NotEnoughSpace,

    // Before any work: what already exists on disk.
    DataDirOtherIdentity,
    DataDirOtherCommitment,
    DataDirOtherLayout,
    DataWithoutMetadata,
    MetadataUnreadable,
    MetadataWithoutKey,
    IdentityKeyMalformed,
    NodeKeyConflict,
    NodeKeyNameTaken,
    NodeKeyDuplicate,
    NodeKeyMalformed,
    LocalKeyPresent,

    // After a postcli run: completion.
    PostcliReportedError,
    PostcliFailed,
    PostcliInterrupted,
    MissingFile,
    WrongFileSize,
    MetadataMissing,
    MetadataNumUnits,
    MetadataLabelsPerUnit,
    MetadataMaxFileSize,
    MetadataCommitment,
    MetadataNodeId,
    MetadataNonceMissing,
    IdentityKeyMissing,

    // Installing keys.
    KeyInstallFailed,
}
