using PostFleet.Core.Init;

namespace PostFleet.Init.Inspection;

/// <summary>Free space for a path that may not exist yet. A seam so tests can pretend a disk is full.</summary>
public interface IFreeSpaceProbe
{
    /// <summary>The filesystem holding <paramref name="path"/> (or its nearest existing ancestor); null if unknown.</summary>
    VolumeSpace? Probe(string path);
}

/// <summary>
/// Free space from DriveInfo (statvfs) of the nearest existing ancestor, and the filesystem it lives on: the longest
/// mount point (from /proc/self/mounts) that contains it. DriveInfo alone names the folder it was given, so two
/// folders on one disk would look like two disks.
/// </summary>
public sealed class DriveFreeSpaceProbe : IFreeSpaceProbe
{
    private readonly IReadOnlyList<string> _mounts = ReadMounts();

    public static string? MountOf(string path, IReadOnlyList<string> mounts)
    {
        var full = Path.GetFullPath(path);
        return mounts
            .Where(m => m == "/" || full == m || full.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length)
            .FirstOrDefault();
    }

    public VolumeSpace? Probe(string path)
    {
        var existing = PathProbe.NearestExisting(path);
        if (existing is null)
        {
            return null;
        }

        try
        {
            var drive = new DriveInfo(existing);
            return new VolumeSpace(MountOf(existing, _mounts) ?? drive.RootDirectory.FullName, (ulong)drive.AvailableFreeSpace);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static List<string> ReadMounts()
    {
        try
        {
            // "device mountpoint fstype options 0 0"; spaces in the mount point are written as \040.
            return [.. File.ReadAllLines("/proc/self/mounts")
                .Select(line => line.Split(' '))
                .Where(parts => parts.Length > 2)
                .Select(parts => parts[1].Replace("\\040", " ", StringComparison.Ordinal))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ["/"];
        }
    }
}
