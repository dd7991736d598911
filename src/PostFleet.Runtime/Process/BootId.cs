namespace PostFleet.Runtime.Process;

/// <summary>
/// The kernel's random id of the current boot. Start times count from boot, so after a reboot a PID and start time
/// could repeat; a run recorded under another boot is never ours.
/// </summary>
internal static class BootId
{
    private static readonly Lazy<string?> Current = new(Read);

    public static string? Value => Current.Value;

    private static string? Read()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
