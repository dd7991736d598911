using System.Collections.Immutable;
using PostFleet.Core.Init;

namespace PostFleet.Init.Inspection;

/// <summary>Reads the node's identities folder the way the node does: regular files directly in it ending in ".key".</summary>
public static class NodeIdentitiesInspector
{
    public static string IdentitiesDirectory(string nodeDataDir) => Path.Combine(nodeDataDir, "identities");

    public static NodeIdentitiesObservation Observe(string identitiesDir)
    {
        if (!Directory.Exists(identitiesDir))
        {
            return NodeIdentitiesObservation.Missing(identitiesDir);
        }

        var keys = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var file in new DirectoryInfo(identitiesDir).EnumerateFiles())
        {
            // The node matches the extension case-sensitively and skips anything that is not a regular file.
            if (file.Extension == ".key" && file.LinkTarget is null)
            {
                keys[file.Name] = File.ReadAllText(file.FullName);
            }
        }

        return new NodeIdentitiesObservation(identitiesDir, true, keys.ToImmutable());
    }
}
