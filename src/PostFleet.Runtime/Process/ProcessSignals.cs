using System.Runtime.InteropServices;

namespace PostFleet.Runtime.Process;

/// <summary>What became of a signal sent to a recorded run.</summary>
internal enum SignalOutcome
{
    Sent,

    /// <summary>No such process any more.</summary>
    Gone,

    /// <summary>The PID now belongs to another process; nothing was sent.</summary>
    NotOurs,
}

/// <summary>
/// Sends a signal to a process only after checking that it is still the one we started, without the race of
/// check-then-kill: the PID is first pinned with a pidfd (Linux 5.3+), then checked, then signalled through the
/// pidfd, so a PID recycled in between can never receive it. Older kernels fall back to kill(2) after the check.
/// </summary>
internal static partial class ProcessSignals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const int EPerm = 1;
    private const int ESrch = 3;
    private const int ENoSys = 38;

    // Same numbers on every Linux architecture: both syscalls postdate the unified syscall table.
    private const long SysPidfdSendSignal = 424;
    private const long SysPidfdOpen = 434;

    public static SignalOutcome Send(int pid, int signal, Func<bool> isStillOurs)
    {
        var pidfd = (int)PidfdOpen(SysPidfdOpen, pid, 0);
        if (pidfd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error switch
            {
                ESrch => SignalOutcome.Gone,
                ENoSys => SendWithKill(pid, signal, isStillOurs),
                _ => throw new IOException($"pidfd_open({pid}) failed: errno {error}"),
            };
        }

        try
        {
            if (!isStillOurs())
            {
                return SignalOutcome.NotOurs;
            }

            return PidfdSendSignal(SysPidfdSendSignal, pidfd, signal, IntPtr.Zero, 0) == 0
                ? SignalOutcome.Sent
                : Failed($"pidfd_send_signal({pid}, {signal})");
        }
        finally
        {
            _ = Close(pidfd);
        }
    }

    private static SignalOutcome SendWithKill(int pid, int signal, Func<bool> isStillOurs) =>
        !isStillOurs() ? SignalOutcome.NotOurs
        : Kill(pid, signal) == 0 ? SignalOutcome.Sent
        : Failed($"kill({pid}, {signal})");

    private static SignalOutcome Failed(string call)
    {
        var error = Marshal.GetLastPInvokeError();
        return error switch
        {
            ESrch => SignalOutcome.Gone,
            EPerm => throw new UnauthorizedAccessException($"{call}: not permitted"),
            _ => throw new IOException($"{call} failed: errno {error}"),
        };
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long PidfdOpen(long number, long pid, long flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long PidfdSendSignal(long number, long pidfd, long signal, IntPtr info, long flags);
}
