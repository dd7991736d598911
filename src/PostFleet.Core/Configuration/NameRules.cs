using System.Text.RegularExpressions;

namespace PostFleet.Core.Configuration;

/// <summary>
/// Names of services (= identity key files) and disks. A service's name is its key file name without ".key",
/// which is how PostStates reports the identity, so it must be a plain file name the node will load.
/// </summary>
public static partial class NameRules
{
    /// <summary>null when <paramref name="name"/> is a valid service name, else what is wrong and what would be right.</summary>
    public static string? ServiceNameProblem(string name)
    {
        if (name.EndsWith(".key", StringComparison.OrdinalIgnoreCase))
        {
            return $"'{name}' ends in .key; write the key file name without it: '{name[..^4]}'";
        }

        // local.key switches the node to supervised mode and refuses to start next to other keys (spacemesh-node.md §4).
        if (name == "local")
        {
            return "'local' is reserved: a local.key makes the node manage its own post-service and refuse other identities; pick another name";
        }

        return SafeName().IsMatch(name)
            ? null
            : $"'{name}' is not a usable key file name; use letters, digits, '_', '-' and '.', starting with a letter or digit, up to 100 characters (e.g. diskA_post1)";
    }

    public static string? DiskNameProblem(string name) =>
        SafeName().IsMatch(name)
            ? null
            : $"'{name}' is not a usable disk name; use letters, digits, '_', '-' and '.', starting with a letter or digit (e.g. diskA)";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex SafeName();
}
