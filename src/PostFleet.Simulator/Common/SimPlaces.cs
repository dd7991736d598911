namespace PostFleet.Simulator.Common;

/// <summary>
/// Where the simulated hardware lives. The DISK of a data folder is its parent folder (so identities whose
/// folders share a parent share one disk, as in the demo's <c>post/diskA_post1</c>); the HOST is
/// <c>$POSTFLEET_SIM_HOST_DIR</c>, else the disk folder's parent.
/// </summary>
public sealed record SimPlaces(string DataDir, string Disk, string Host)
{
    public const string HostDirVariable = "POSTFLEET_SIM_HOST_DIR";

    public string SimFolder(string root) => Path.Combine(root, ".postfleet-sim");

    public string ReaderLeases => Path.Combine(SimFolder(Disk), "readers");

    public string WriterLeases => Path.Combine(SimFolder(Disk), "writers");

    public string K2powLeases => Path.Combine(SimFolder(Host), "k2pow");

    public string RecordPath => Path.Combine(SimFolder(Host), "record.jsonl");

    public static SimPlaces For(string dataDir)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDir));
        var disk = Path.GetDirectoryName(full) ?? full;
        var host = Environment.GetEnvironmentVariable(HostDirVariable) is { Length: > 0 } fromEnv
            ? Path.GetFullPath(fromEnv)
            : Path.GetDirectoryName(disk) ?? disk;
        return new SimPlaces(full, disk, host);
    }
}
