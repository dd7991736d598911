namespace PostFleet.Doctor.Checks;

/// <summary>One filesystem: its mount point, free bytes, and the PoST bytes still to be written to it.</summary>
public sealed record VolumeObservation(string Mount, ulong FreeBytes, ulong NeededBytes, IReadOnlyList<string> Users);

/// <summary>Unfinished data must fit; the state folder (history database, logs) needs some room too.</summary>
public static class FreeSpaceCheck
{
    /// <summary>Below this a volume is reported even when nothing needs to be written (logs and the history grow).</summary>
    public const ulong Reserve = 256UL << 20;

    public static Finding Evaluate(VolumeObservation seen)
    {
        var subject = $"{seen.Mount} ({string.Join(", ", seen.Users)})";
        if (seen.NeededBytes > seen.FreeBytes)
        {
            return Finding.Error(CheckNames.FreeSpace, subject, $"{Bytes(seen.FreeBytes)} free, but unfinished PoST data still needs {Bytes(seen.NeededBytes)}",
                "free space on this disk, or move some identities' data to another disk (or lower num-units before init)");
        }

        if (seen.FreeBytes - seen.NeededBytes < Reserve)
        {
            return Finding.Warn(CheckNames.FreeSpace, subject, $"only {Bytes(seen.FreeBytes)} free{(seen.NeededBytes > 0 ? $" ({Bytes(seen.NeededBytes)} of it needed by unfinished data)" : "")}",
                "free some space: logs and postfleet's history need room to grow");
        }

        return Finding.Ok(CheckNames.FreeSpace, subject, $"{Bytes(seen.FreeBytes)} free{(seen.NeededBytes > 0 ? $", {Bytes(seen.NeededBytes)} needed by unfinished data" : "")}");
    }

    public static string Bytes(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var value = (double)bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }
}
