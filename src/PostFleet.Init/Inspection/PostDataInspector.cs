using System.Collections.Immutable;
using PostFleet.Core.Init;

namespace PostFleet.Init.Inspection;

/// <summary>Reads a PoST data folder into a <see cref="PostDataObservation"/>; opens files read-only, changes nothing.</summary>
public static class PostDataInspector
{
    public static PostDataObservation Observe(string dataDir)
    {
        if (!Directory.Exists(dataDir))
        {
            return PostDataObservation.Missing(dataDir);
        }

        return new PostDataObservation(
            dataDir,
            true,
            BinFileSizes(dataDir),
            ReadIfPresent(Path.Combine(dataDir, PostMetadata.FileName)),
            ReadIfPresent(Path.Combine(dataDir, PostDataObservation.IdentityKeyFileName)));
    }

    /// <summary>The sizes alone: cheap enough to poll every progress tick.</summary>
    public static ImmutableSortedDictionary<int, ulong> BinFileSizes(string dataDir)
    {
        var sizes = ImmutableSortedDictionary.CreateBuilder<int, ulong>();
        try
        {
            foreach (var file in new DirectoryInfo(dataDir).EnumerateFiles("postdata_*.bin"))
            {
                if (PostDataLayout.FileIndex(file.Name) is { } index)
                {
                    sizes[index] = (ulong)file.Length;
                }
            }
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
        {
            // The folder or a file appeared/disappeared between listing and stat: the next tick sees it settled.
        }

        return sizes.ToImmutable();
    }

    private static string? ReadIfPresent(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
