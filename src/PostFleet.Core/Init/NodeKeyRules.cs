namespace PostFleet.Core.Init;

/// <summary>
/// Whether each identity's key can go to <c>identities/&lt;name&gt;.key</c> without overwriting anything and without
/// leaving a folder the node refuses to start with (duplicate public keys, local.key beside other keys).
/// </summary>
public static class NodeKeyRules
{
    /// <param name="dataKey">The data folder's identity.key content, or null when postcli has not created it yet.</param>
    public static IReadOnlyList<InitProblem> Check(string name, string? dataKey, NodeIdentitiesObservation node)
    {
        var problems = new List<InitProblem>();
        var fileName = NodeIdentitiesObservation.KeyFileName(name);
        var path = node.PathOf(fileName);
        node.KeyFiles.TryGetValue(fileName, out var installed);

        if (dataKey is null)
        {
            if (installed is not null)
            {
                problems.Add(new(InitProblemKind.NodeKeyNameTaken, path,
                    $"already exists, but '{name}' has no identity.key yet, so postcli would create a different key. If that file is this identity's key, copy it to the data folder as identity.key; otherwise choose another name."));
            }

            return problems;
        }

        var dataPublic = IdentityKeyText.PublicKeyHex(dataKey, out _);
        if (installed is not null && !string.Equals(installed, dataKey, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new(InitProblemKind.NodeKeyConflict, path,
                $"holds a different key than the data folder's identity.key (node id {dataPublic ?? "?"}); it is never overwritten. Move it away yourself if it is obsolete, or give '{name}' another name."));
        }

        if (dataPublic is null)
        {
            return problems;
        }

        foreach (var (otherFile, content) in node.KeyFiles)
        {
            if (otherFile != fileName && IdentityKeyText.PublicKeyHex(content, out _) == dataPublic)
            {
                problems.Add(new(InitProblemKind.NodeKeyDuplicate, node.PathOf(otherFile),
                    $"holds the same key as '{name}' (node id {dataPublic}); the node refuses to start with a duplicate key. Remove one of them."));
            }
        }

        return problems;
    }

    /// <summary>
    /// local.key marks the node's single supervised identity; beside any other key the node aborts with "supervised
    /// key found in remote smeshing mode". With <paramref name="removeLocalKey"/> it is moved to a backup later.
    /// </summary>
    public static InitProblem? CheckLocalKey(NodeIdentitiesObservation node, bool removeLocalKey) =>
        node.HasLocalKey && !removeLocalKey
            ? new(InitProblemKind.LocalKeyPresent, node.PathOf(NodeIdentitiesObservation.LocalKeyFileName),
                "is the node's own (supervised) key; with the identities this init adds, the node refuses to start (\"supervised key found in remote smeshing mode\"). " +
                "Re-run with --remove-local-key to move it to a dated local.key.bak-* backup (never deleted), or move it yourself. Its identity's PoST data stops being proven.")
            : null;

    /// <summary>The backup name for local.key: not ending in .key, so the node ignores it.</summary>
    public static string LocalKeyBackupName(DateTimeOffset now) =>
        $"{NodeIdentitiesObservation.LocalKeyFileName}.bak-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";

    /// <summary>Names the node does not report yet: it loads keys only at start, so these need a node restart.</summary>
    public static IReadOnlyList<string> NotCarriedByNode(IEnumerable<string> installed, IEnumerable<string> nodeReportedNames)
    {
        // PostStates reports the key file name; some versions keep the ".key" suffix, so accept both forms.
        var carried = nodeReportedNames.Select(n => n.EndsWith(".key", StringComparison.Ordinal) ? n[..^4] : n).ToHashSet(StringComparer.Ordinal);
        return [.. installed.Where(n => !carried.Contains(n))];
    }
}
