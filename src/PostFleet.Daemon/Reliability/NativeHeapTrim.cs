using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace PostFleet.Daemon.Reliability;

/// <summary>
/// Hands the C heap's free pages back to the kernel every <see cref="Interval"/> (glibc's malloc_trim). The managed
/// heap returns what it frees by itself; the C heap (SQLite's page caches, the JIT, the runtime's own allocations)
/// keeps one arena per thread that allocated and returns a freed page only from an arena's top. At 1,000 identities
/// an open gap left 28 MB of a 229 MB resident set free in arenas (one malloc_trim through gdb after a gap,
/// bench/timing-goals.md session 12). A C library without malloc_trim (musl) turns it off at the first try.
/// Thread-safety: one <see cref="RunAsync"/> at a time; malloc_trim itself takes each arena's lock.
/// </summary>
public sealed class NativeHeapTrim(TimeProvider time, ILogger logger, Action? trim = null)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly Action _trim = trim ?? MallocTrim;

    private int _trims;

    /// <summary>Trims done so far (read from any thread: tests).</summary>
    public int Trims => Volatile.Read(ref _trims);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // One timer for the whole run: each interval is counted from the last one's end, not from when the loop came
        // back to wait (a Task.Delay made after a trim lost an interval that ended while the trim ran).
        using var timer = new PeriodicTimer(Interval, time);
        while (true)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                _trim();
                Interlocked.Increment(ref _trims);
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                logger.LogDebug("this C library has no malloc_trim ({Error}): the C heap keeps its free pages", ex.Message);
                return;
            }
        }
    }

    // Its result (whether pages went back) is not needed: nothing is done differently either way.
    private static void MallocTrim() => NativeMethods.malloc_trim(0);

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "malloc_trim")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int malloc_trim(nuint pad);
    }
}
