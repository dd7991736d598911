using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Node;

/// <summary>
/// Loads `&lt;data&gt;/identities/*.key` once at start-up with go-spacemesh's rules (fact sheet §4):
/// any bad file, duplicate key or `local.key` beside other keys aborts the start.
/// </summary>
public static class IdentityLoader
{
    public const string KeyExtension = ".key";
    public const string SupervisedKeyName = "local.key";

    public static (SmeshingMode Mode, IReadOnlyList<NodeIdentity> Identities) Load(string identitiesFolder, bool smeshingStart, string coinbase)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(identitiesFolder);
        }
        else
        {
            Directory.CreateDirectory(identitiesFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var identities = new List<NodeIdentity>();
        foreach (var path in Directory.EnumerateFiles(identitiesFolder).Order(StringComparer.Ordinal))
        {
            // Case-sensitive and exact: "a.KEY" or "a.key.bak" are not identities.
            if (!string.Equals(Path.GetExtension(path), KeyExtension, StringComparison.Ordinal))
            {
                continue;
            }

            identities.Add(new NodeIdentity(Path.GetFileName(path), ReadKey(path)));
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var identity in identities)
        {
            if (!seen.TryAdd(identity.NodeIdHex, identity.FileName))
            {
                throw new StartupException(
                    $"duplicate key found in identity files: {Path.Combine(identitiesFolder, seen[identity.NodeIdHex])} and {Path.Combine(identitiesFolder, identity.FileName)} hold the same public key {identity.NodeIdHex}");
            }
        }

        if (identities.Count == 0)
        {
            identities.Add(GenerateSupervisedKey(identitiesFolder));
        }

        var hasLocal = identities.Any(i => i.FileName == SupervisedKeyName);
        if (hasLocal && identities.Count > 1)
        {
            throw new StartupException(
                $"supervised key found in remote smeshing mode: {Path.Combine(identitiesFolder, SupervisedKeyName)} cannot be used together with other identity files; remove local.key (or the other keys) and restart");
        }

        var mode = hasLocal ? SmeshingMode.Supervised : SmeshingMode.Remote;
        if (smeshingStart)
        {
            if (coinbase.Length == 0)
            {
                throw new StartupException("smeshing enabled but no coinbase account provided");
            }

            if (mode == SmeshingMode.Remote)
            {
                throw new StartupException(
                    $"smeshing enabled in remote setup: {identities.Count} identity file(s) in {identitiesFolder} ({string.Join(", ", identities.Select(i => i.FileName))}); set smeshing.smeshing-start to false for a 1:N setup");
            }
        }

        return (mode, identities);
    }

    private static IdentityKey ReadKey(string path)
    {
        string content;
        try
        {
            content = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"failed to read identity file {path}: {ex.Message}");
        }

        return IdentityKey.TryParse(content, out var key, out var error)
            ? key!
            : throw new StartupException($"failed to load identity file {path}: {error}");
    }

    private static NodeIdentity GenerateSupervisedKey(string identitiesFolder)
    {
        var key = IdentityKey.Generate();
        var path = Path.Combine(identitiesFolder, SupervisedKeyName);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(key.ToFileContent());
        }

        return new NodeIdentity(SupervisedKeyName, key);
    }
}
