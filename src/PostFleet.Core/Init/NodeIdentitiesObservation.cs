using System.Collections.Immutable;

namespace PostFleet.Core.Init;

/// <summary>
/// The node's <c>&lt;data-dir&gt;/identities</c> folder: every regular <c>*.key</c> file and its content, which is all
/// the node itself looks at when it starts (spacemesh-node.md §4).
/// </summary>
public sealed record NodeIdentitiesObservation(string Directory, bool Exists, ImmutableSortedDictionary<string, string> KeyFiles)
{
    public const string LocalKeyFileName = "local.key";

    public static NodeIdentitiesObservation Missing(string directory) =>
        new(directory, false, ImmutableSortedDictionary<string, string>.Empty);

    public static string KeyFileName(string identityName) => identityName + ".key";

    public bool HasLocalKey => KeyFiles.ContainsKey(LocalKeyFileName);

    public string PathOf(string fileName) => Path.Combine(Directory, fileName);
}
