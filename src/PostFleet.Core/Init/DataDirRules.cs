namespace PostFleet.Core.Init;

/// <summary>
/// Whether an existing data folder may be handed to postcli for this identity. postcli itself would panic on some
/// mismatches and, worse, silently delete files on others (a smaller numUnits, stray files above the last index),
/// so anything that is not clearly "ours, same parameters" is refused before any run.
/// </summary>
public static class DataDirRules
{
    public static IReadOnlyList<InitProblem> Check(string name, PostDataObservation data, PostDataLayout layout, CommitmentAtx commitment)
    {
        var problems = new List<InitProblem>();
        var keyPath = Path.Combine(data.DataDir, PostDataObservation.IdentityKeyFileName);
        var metadataPath = Path.Combine(data.DataDir, PostMetadata.FileName);

        string? keyPublic = null;
        if (data.IdentityKey is not null)
        {
            keyPublic = IdentityKeyText.PublicKeyHex(data.IdentityKey, out var keyError);
            if (keyPublic is null)
            {
                problems.Add(new(InitProblemKind.IdentityKeyMalformed, keyPath, $"{keyError}; postcli and the node would both reject it. Restore the original key file."));
            }
        }

        if (data.MetadataJson is null)
        {
            if (!data.BinFileSizes.IsEmpty)
            {
                problems.Add(new(InitProblemKind.DataWithoutMetadata, data.DataDir,
                    $"holds postdata_*.bin files but no {PostMetadata.FileName}, so nobody can tell whose labels they are; use an empty folder for '{name}' or restore the metadata."));
            }

            return problems;
        }

        if (!PostMetadata.TryParse(data.MetadataJson, out var metadata, out var parseError))
        {
            problems.Add(new(InitProblemKind.MetadataUnreadable, metadataPath, $"cannot be read ({parseError}); restore it or use an empty folder for '{name}'."));
            return problems;
        }

        if (data.IdentityKey is null)
        {
            problems.Add(new(InitProblemKind.MetadataWithoutKey, keyPath,
                $"is missing, but the metadata says this data belongs to node id {metadata!.NodeIdHex ?? metadata.NodeIdBase64}; put that identity's key file here (the node needs it) or use an empty folder."));
        }
        else if (keyPublic is not null && metadata!.NodeIdHex != keyPublic)
        {
            problems.Add(new(InitProblemKind.DataDirOtherIdentity, metadataPath,
                $"NodeId {metadata.NodeIdHex ?? metadata.NodeIdBase64} is not the public key in identity.key ({keyPublic}): this folder holds another identity's data. Use another folder for '{name}'."));
        }

        if (metadata!.CommitmentAtxIdHex != commitment.Hex)
        {
            problems.Add(new(InitProblemKind.DataDirOtherCommitment, metadataPath,
                $"CommitmentAtxId is {metadata.CommitmentAtxIdHex ?? metadata.CommitmentAtxIdBase64}, but this init uses {commitment.Hex}; pass --commitment-atx {metadata.CommitmentAtxIdHex} to continue this data, or use an empty folder."));
        }

        problems.AddRange(LayoutMismatches(metadataPath, metadata, layout));

        foreach (var (index, size) in data.BinFileSizes)
        {
            if (index >= layout.FileCount || size > layout.FileSize(index))
            {
                problems.Add(new(InitProblemKind.DataDirOtherLayout, Path.Combine(data.DataDir, PostDataLayout.FileName(index)),
                    $"is {size} bytes, beyond the {layout.TotalBytes} bytes in {layout.FileCount} file(s) this identity needs; postcli would delete or refuse it. Check num-units, labels-per-unit and max-file-size."));
            }
        }

        return problems;
    }

    private static IEnumerable<InitProblem> LayoutMismatches(string metadataPath, PostMetadata metadata, PostDataLayout layout)
    {
        if (metadata.NumUnits != layout.NumUnits)
        {
            yield return new(InitProblemKind.DataDirOtherLayout, metadataPath,
                $"NumUnits is {metadata.NumUnits}, config num-units is {layout.NumUnits}; postcli cannot grow data and deletes files to shrink it. Set num-units: {metadata.NumUnits}.");
        }

        if (metadata.LabelsPerUnit != layout.LabelsPerUnit)
        {
            yield return new(InitProblemKind.DataDirOtherLayout, metadataPath,
                $"LabelsPerUnit is {metadata.LabelsPerUnit}, config post.labels-per-unit is {layout.LabelsPerUnit}; they must match the node's.");
        }

        if (metadata.MaxFileSize != layout.MaxFileSize)
        {
            yield return new(InitProblemKind.DataDirOtherLayout, metadataPath,
                $"MaxFileSize is {metadata.MaxFileSize}, this init uses {layout.MaxFileSize}; set post.max-file-size: {metadata.MaxFileSize}.");
        }
    }
}
