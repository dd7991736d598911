using PostFleet.Core.Init;

namespace PostFleet.Init.Inspection;

/// <summary>Free space for a path that may not exist yet. A seam so tests can pretend a disk is full.</summary>
public interface IFreeSpaceProbe
{
    /// <summary>The filesystem holding <paramref name="path"/> (or its nearest existing ancestor); null if unknown.</summary>
    VolumeSpace? Probe(string path);
}

/// <summary>DriveInfo (statvfs) of the nearest existing ancestor; the mount point identifies the filesystem.</summary>
public sealed class DriveFreeSpaceProbe : IFreeSpaceProbe
{
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
            return new VolumeSpace(drive.RootDirectory.FullName, (ulong)drive.AvailableFreeSpace);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
