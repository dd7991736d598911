using System.Security.Cryptography;

namespace PostFleet.Init.Tests.Support;

/// <summary>A fingerprint of every file under a folder (content hash and mode) to prove nothing was changed.</summary>
public static class UserFiles
{
    public static SortedDictionary<string, string> Fingerprint(string root, params string[] exclude)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (exclude.Any(e => file.StartsWith(e, StringComparison.Ordinal)))
            {
                continue;
            }

            result[Path.GetRelativePath(root, file)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))) + " " + File.GetUnixFileMode(file);
        }

        return result;
    }
}
