using PostFleet.Core.Init;

namespace PostFleet.Init.Keys;

/// <summary>
/// Puts identity keys where the node loads them and moves local.key aside. Never overwrites and never deletes: a key
/// is written to a temporary name (not ending in ".key", so a starting node ignores it) and then hard-linked to its
/// final name, which fails instead of replacing a file that appeared in the meantime.
/// </summary>
public sealed class NodeKeyInstaller(string identitiesDir, TimeProvider time)
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode KeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Installs <c>&lt;name&gt;.key</c>; null when it is in place (now or already), else the problem.</summary>
    public InitProblem? Install(string name, string dataDir)
    {
        var target = Path.Combine(identitiesDir, NodeIdentitiesObservation.KeyFileName(name));
        try
        {
            var key = File.ReadAllText(Path.Combine(dataDir, PostDataObservation.IdentityKeyFileName));
            if (IdentityKeyText.PublicKeyHex(key, out var keyError) is null)
            {
                return new(InitProblemKind.IdentityKeyMalformed, Path.Combine(dataDir, PostDataObservation.IdentityKeyFileName), keyError + "; not installed.");
            }

            if (File.Exists(target))
            {
                return SameKey(target, key, name);
            }

            CreatePrivateDirectory();
            var temporary = Path.Combine(identitiesDir, $".{name}.key.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var stream = new FileStream(temporary, PrivateNewFile()))
                using (var writer = new StreamWriter(stream))
                {
                    writer.Write(key);
                }

                // File.Move without overwrite links the new name and unlinks the old one: it fails if the target exists.
                File.Move(temporary, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                return SameKey(target, key, name);
            }
            finally
            {
                File.Delete(temporary);
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new(InitProblemKind.KeyInstallFailed, target, $"could not be written: {ex.Message}");
        }
    }

    /// <summary>Renames local.key to a dated backup the node ignores; returns the backup's path, or null if it is gone.</summary>
    public string? MoveLocalKeyAside()
    {
        var source = Path.Combine(identitiesDir, NodeIdentitiesObservation.LocalKeyFileName);
        if (!File.Exists(source))
        {
            return null;
        }

        var backup = Path.Combine(identitiesDir, NodeKeyRules.LocalKeyBackupName(time.GetUtcNow()));
        File.Move(source, backup, overwrite: false);
        return backup;
    }

    // The node creates identities/ as 0700 and key files as 0600; a private key must never be readable by others.
    private void CreatePrivateDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(identitiesDir);
        }
        else
        {
            Directory.CreateDirectory(identitiesDir, DirectoryMode);
        }
    }

    private static FileStreamOptions PrivateNewFile()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = KeyMode;
        }

        return options;
    }

    private static InitProblem? SameKey(string target, string key, string name) =>
        string.Equals(File.ReadAllText(target), key, StringComparison.OrdinalIgnoreCase)
            ? null
            : new(InitProblemKind.NodeKeyConflict, target, $"holds a different key than '{name}' identity.key; it is never overwritten. Move it away yourself if it is obsolete.");
}
