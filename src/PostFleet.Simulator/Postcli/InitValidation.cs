using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Postcli;

/// <summary>
/// Steps 1–5 of postcli's flow (fact sheet 5.1), in the real order: existing metadata and identity, flags that
/// must be passed again, -provider, mainnet prompts, key generation, then the initializer's own checks (panics).
/// Returns null after -reset, which ends the run.
/// </summary>
public sealed class InitValidation(GoFlags flags, CliOutput output, Confirmation confirmation)
{
    public const string KeyFileName = "identity.key";

    public InitPlan? Run()
    {
        var dataDir = Path.GetFullPath(flags.String("datadir"));
        var existing = LoadMetadata(dataDir);
        var id = flags.IsSet("id") ? Hex(flags.String("id"), "id") : null;
        if (existing is not null && id is not null && !existing.NodeId.AsSpan().SequenceEqual(id))
        {
            throw GoExit.Fatal($"node id doesn't match metadata: {Convert.ToHexStringLower(id)} != {Convert.ToHexStringLower(existing.NodeId)}");
        }

        var key = LoadKey(dataDir);
        if (key is not null && existing is not null && !key.PublicKey.AsSpan().SequenceEqual(existing.NodeId))
        {
            throw GoExit.Fatal($"identity.key doesn't match metadata: {Convert.ToHexStringLower(key.PublicKey)} != {Convert.ToHexStringLower(existing.NodeId)}");
        }

        if (key is not null && id is not null && !key.PublicKey.AsSpan().SequenceEqual(id))
        {
            throw GoExit.Fatal($"identity.key doesn't match -id: {Convert.ToHexStringLower(key.PublicKey)} != {Convert.ToHexStringLower(id)}");
        }

        id ??= key?.PublicKey ?? existing?.NodeId;

        // The real postcli insists on these even when it could take them from the metadata.
        if (existing is not null && !flags.IsSet("numUnits"))
        {
            throw GoExit.Fatal("-numUnits must be specified to perform initialization.");
        }

        if (existing is not null && !flags.IsSet("commitmentAtxId"))
        {
            throw GoExit.Fatal("-commitmentAtxId must be specified to perform initialization.");
        }

        if (!flags.IsSet("commitmentAtxId"))
        {
            throw GoExit.Fatal("-commitmentAtxId flag is required");
        }

        var commitment = Hex(flags.String("commitmentAtxId"), "commitmentAtxId");
        if (existing is not null && !existing.CommitmentAtxId.AsSpan().SequenceEqual(commitment))
        {
            throw GoExit.Fatal($"commitment atx id doesn't match metadata: {Convert.ToHexStringLower(commitment)} != {Convert.ToHexStringLower(existing.CommitmentAtxId)}");
        }

        var numUnits = (uint)flags.UInt64("numUnits");
        if (existing is not null && existing.NumUnits != numUnits)
        {
            output.Log($"WARNING: numUnits differs from the existing data ({existing.NumUnits} -> {numUnits})");
            confirmation.Ask();
        }

        if (!flags.IsSet("provider"))
        {
            throw GoExit.Fatal("-provider flag is required");
        }

        var (minUnits, maxUnits) = (PostcliOptions.MainnetMinNumUnits, PostcliOptions.MainnetMaxNumUnits);
        if (flags.IsSet("numUnits") && (numUnits < minUnits || numUnits > maxUnits))
        {
            output.Log($"WARNING: numUnits is outside of range valid for mainnet (min: {minUnits} max: {maxUnits})");
            confirmation.Ask();
            (minUnits, maxUnits) = (numUnits, numUnits);
        }

        var labelsPerUnit = flags.UInt64("labelsPerUnit");
        if (labelsPerUnit != PostcliOptions.MainnetLabelsPerUnit)
        {
            output.Log("WARNING: labelsPerUnit is set to a non-default value. This makes the data incompatible with mainnet.");
            confirmation.Ask();
        }

        if (flags.UInt64("scryptN") != PostcliOptions.MainnetScryptN)
        {
            output.Log("WARNING: scryptN is set to a non-default value. This makes the data incompatible with mainnet.");
            confirmation.Ask();
        }

        if ((flags.IsSet("fromFile") || flags.IsSet("toFile")) && !flags.IsSet("id"))
        {
            throw GoExit.Fatal("-id flag is required when using -fromFile or -toFile");
        }

        if (flags.Bool("reset"))
        {
            Reset(dataDir);
            return null;
        }

        id ??= GenerateKey(dataDir);
        return Plan(dataDir, id, commitment, numUnits, labelsPerUnit, minUnits, maxUnits, existing);
    }

    /// <summary>The initializer's constructor checks: any failure is a log.Panic (exit 2).</summary>
    private InitPlan Plan(string dataDir, byte[] id, byte[] commitment, uint numUnits, ulong labelsPerUnit, uint minUnits, uint maxUnits, PostMetadata? existing)
    {
        if (numUnits < minUnits || numUnits > maxUnits)
        {
            throw GoExit.Panic($"invalid `opts.NumUnits`; expected: >= {minUnits} and <= {maxUnits}, given: {numUnits}");
        }

        var maxFileSize = flags.UInt64("maxFileSize");
        if (maxFileSize < 1024)
        {
            throw GoExit.Panic($"invalid `opts.MaxFileSize`; expected: >= 1024, given: {maxFileSize}");
        }

        if (id.Length != 32 || commitment.Length != 32)
        {
            throw GoExit.Panic($"invalid `{(id.Length != 32 ? "nodeId" : "commitmentAtxId")}` length; expected: 32, given: {(id.Length != 32 ? id.Length : commitment.Length)}");
        }

        if (existing is not null && DataLayout.ExistingFiles(dataDir).Count > 0)
        {
            if (existing.LabelsPerUnit != labelsPerUnit)
            {
                throw GoExit.Panic($"`LabelsPerUnit` is different than in the existing metadata: {labelsPerUnit} != {existing.LabelsPerUnit}");
            }

            if (existing.MaxFileSize != maxFileSize)
            {
                throw GoExit.Panic($"`MaxFileSize` is different than in the existing metadata: {maxFileSize} != {existing.MaxFileSize}");
            }

            if (numUnits > existing.NumUnits)
            {
                throw GoExit.Panic($"`NumUnits` cannot be increased on existing data: {numUnits} > {existing.NumUnits}");
            }
        }

        var fileCount = DataLayout.FileCount(numUnits * labelsPerUnit * DataLayout.LabelSize, maxFileSize / DataLayout.LabelSize * DataLayout.LabelSize);
        var first = (int)flags.Int("fromFile");
        var last = flags.IsSet("toFile") ? (int)flags.Int("toFile") : fileCount - 1;
        if (first < 0 || last >= fileCount || first > last)
        {
            throw GoExit.Panic($"invalid file range {first}..={last}; the data has {fileCount} files");
        }

        return new InitPlan(dataDir, id, commitment, numUnits, labelsPerUnit, maxFileSize / DataLayout.LabelSize * DataLayout.LabelSize, (uint)flags.UInt64("provider"),
            first, last, FullInit: !flags.IsSet("fromFile") && !flags.IsSet("toFile"), existing);
    }

    private byte[] GenerateKey(string dataDir)
    {
        output.Log("cli: generating new identity");
        PrivateFiles.CreateDirectory(dataDir);
        var key = IdentityKey.Generate();
        PrivateFiles.WriteNew(Path.Combine(dataDir, KeyFileName), System.Text.Encoding.ASCII.GetBytes(key.ToFileContent()));
        output.Log($"cli: generated key in {KeyFileName}");
        return key.PublicKey;
    }

    private void Reset(string dataDir)
    {
        if (Directory.Exists(dataDir))
        {
            foreach (var (_, path) in DataLayout.ExistingFiles(dataDir))
            {
                File.Delete(path);
            }

            File.Delete(Path.Combine(dataDir, PostMetadata.FileName));
        }

        output.Log("cli: reset completed");
    }

    private static PostMetadata? LoadMetadata(string dataDir)
    {
        var path = Path.Combine(dataDir, PostMetadata.FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return PostMetadata.Load(dataDir);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            throw GoExit.Fatal($"failed to load metadata: {ex.Message}");
        }
    }

    private static IdentityKey? LoadKey(string dataDir)
    {
        var path = Path.Combine(dataDir, KeyFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        return IdentityKey.TryParse(File.ReadAllText(path), out var key, out var error)
            ? key
            : throw GoExit.Fatal($"failed to load identity.key: {error}");
    }

    private static byte[] Hex(string value, string flag)
    {
        try
        {
            return Convert.FromHexString(value);
        }
        catch (FormatException)
        {
            throw GoExit.Fatal($"invalid {flag}: encoding/hex: invalid byte in {value}");
        }
    }
}
