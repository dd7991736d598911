using PostFleet.Core.Init;

namespace PostFleet.Doctor.Discovery;

/// <summary>A folder holding <c>postdata_metadata.json</c>, under one of the disk roots.</summary>
public sealed record FoundDataDir(string Root, string Dir, PostMetadata? Metadata, string? Error = null);

/// <summary>Finds PoST data folders: every folder with a metadata file, a few levels below each root.</summary>
public static class DataDirScanner
{
    public const int DefaultDepth = 4;

    public static IReadOnlyList<FoundDataDir> Scan(IEnumerable<string> roots, int maxDepth = DefaultDepth)
    {
        var found = new List<FoundDataDir>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in roots.Select(Path.GetFullPath))
        {
            Walk(root, root, 0);
        }

        return found;

        void Walk(string root, string dir, int depth)
        {
            if (!seen.Add(dir))
            {
                return;
            }

            var metadataPath = Path.Combine(dir, PostMetadata.FileName);
            if (File.Exists(metadataPath))
            {
                try
                {
                    found.Add(PostMetadata.TryParse(File.ReadAllText(metadataPath), out var metadata, out var error)
                        ? new FoundDataDir(root, dir, metadata)
                        : new FoundDataDir(root, dir, null, $"{PostMetadata.FileName} cannot be read: {error}"));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    found.Add(new FoundDataDir(root, dir, null, ex.Message));
                }

                // A data folder holds no other identity's data below it.
                return;
            }

            if (depth >= maxDepth)
            {
                return;
            }

            IEnumerable<DirectoryInfo> children;
            try
            {
                children = [.. new DirectoryInfo(dir).EnumerateDirectories().Where(d => d.LinkTarget is null && !d.Name.StartsWith('.')).OrderBy(d => d.Name, StringComparer.Ordinal)];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return;
            }

            foreach (var child in children)
            {
                Walk(root, child.FullName, depth + 1);
            }
        }
    }
}
