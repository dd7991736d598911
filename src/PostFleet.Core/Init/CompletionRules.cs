namespace PostFleet.Core.Init;

/// <summary>
/// "Done" for one identity. postcli exits 0 even after an initialization error (post-service.md §5.3), so its exit
/// code proves nothing: completion is read from the files. Each rule yields its own problem kind.
/// </summary>
public static class CompletionRules
{
    /// <summary>What postcli prints to stderr when initialization failed and it still exits 0.</summary>
    public const string InitializationErrorMarker = "cli: initialization error";

    /// <summary>An empty list means the data is complete, ours and what we asked for.</summary>
    public static IReadOnlyList<InitProblem> Verify(PostDataObservation data, PostDataLayout layout, CommitmentAtx commitment)
    {
        var problems = new List<InitProblem>();
        for (var index = 0; index < layout.FileCount; index++)
        {
            var path = Path.Combine(data.DataDir, PostDataLayout.FileName(index));
            var expected = layout.FileSize(index);
            if (!data.BinFileSizes.TryGetValue(index, out var size))
            {
                problems.Add(new(InitProblemKind.MissingFile, path, $"is missing; expected {expected} bytes."));
            }
            else if (size != expected)
            {
                problems.Add(new(InitProblemKind.WrongFileSize, path, $"is {size} bytes; expected {expected}."));
            }
        }

        foreach (var index in data.BinFileSizes.Keys.Where(i => i >= layout.FileCount))
        {
            problems.Add(new(InitProblemKind.WrongFileSize, Path.Combine(data.DataDir, PostDataLayout.FileName(index)),
                $"should not exist: the data ends at postdata_{layout.FileCount - 1}.bin."));
        }

        string? keyPublic = null;
        var keyPath = Path.Combine(data.DataDir, PostDataObservation.IdentityKeyFileName);
        if (data.IdentityKey is null)
        {
            problems.Add(new(InitProblemKind.IdentityKeyMissing, keyPath, "is missing; postcli writes it when it creates the identity."));
        }
        else
        {
            keyPublic = IdentityKeyText.PublicKeyHex(data.IdentityKey, out var keyError);
            if (keyPublic is null)
            {
                problems.Add(new(InitProblemKind.IdentityKeyMalformed, keyPath, keyError + "."));
            }
        }

        problems.AddRange(MetadataProblems(data, layout, commitment, keyPublic));
        return problems;
    }

    /// <summary>A problem when postcli's own report says the run failed, whatever the files look like.</summary>
    public static InitProblem? RunProblem(string name, int exitCode, string? errorLine, bool interrupted)
    {
        if (interrupted)
        {
            return new(InitProblemKind.PostcliInterrupted, name, "postcli was interrupted; run `postfleet init` again to resume from the files written so far.");
        }

        if (errorLine is not null)
        {
            return new(InitProblemKind.PostcliReportedError, name, $"postcli reported \"{errorLine.Trim()}\" (and exited {exitCode}).");
        }

        return exitCode == 0
            ? null
            : new(InitProblemKind.PostcliFailed, name, $"postcli exited with code {exitCode}.");
    }

    private static IEnumerable<InitProblem> MetadataProblems(PostDataObservation data, PostDataLayout layout, CommitmentAtx commitment, string? keyPublic)
    {
        var path = Path.Combine(data.DataDir, PostMetadata.FileName);
        if (data.MetadataJson is null)
        {
            yield return new(InitProblemKind.MetadataMissing, path, "is missing.");
            yield break;
        }

        if (!PostMetadata.TryParse(data.MetadataJson, out var metadata, out var error))
        {
            yield return new(InitProblemKind.MetadataUnreadable, path, $"cannot be read: {error}.");
            yield break;
        }

        if (metadata!.NumUnits != layout.NumUnits)
        {
            yield return new(InitProblemKind.MetadataNumUnits, path, $"NumUnits is {metadata.NumUnits}; expected {layout.NumUnits}.");
        }

        if (metadata.LabelsPerUnit != layout.LabelsPerUnit)
        {
            yield return new(InitProblemKind.MetadataLabelsPerUnit, path, $"LabelsPerUnit is {metadata.LabelsPerUnit}; expected {layout.LabelsPerUnit}.");
        }

        if (metadata.MaxFileSize != layout.MaxFileSize)
        {
            yield return new(InitProblemKind.MetadataMaxFileSize, path, $"MaxFileSize is {metadata.MaxFileSize}; expected {layout.MaxFileSize}.");
        }

        if (metadata.CommitmentAtxIdHex != commitment.Hex)
        {
            yield return new(InitProblemKind.MetadataCommitment, path, $"CommitmentAtxId is {metadata.CommitmentAtxIdHex ?? metadata.CommitmentAtxIdBase64}; expected {commitment.Hex} ({commitment.Base64}).");
        }

        if (keyPublic is not null && metadata.NodeIdHex != keyPublic)
        {
            yield return new(InitProblemKind.MetadataNodeId, path, $"NodeId {metadata.NodeIdHex ?? metadata.NodeIdBase64} is not the public key in identity.key ({keyPublic}).");
        }

        // postcli keeps computing labels past the data until it finds a VRF nonce, and the node needs that nonce for
        // the identity's first ATX: without it the data is not finished.
        if (metadata.Nonce is null)
        {
            yield return new(InitProblemKind.MetadataNonceMissing, path, "has no Nonce yet: postcli had not finished its nonce search.");
        }
    }
}
