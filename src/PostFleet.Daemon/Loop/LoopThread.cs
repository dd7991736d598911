using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// A thread of the reconcile loop's own, and the synchronization context that brings the loop's awaits back to it.
/// On the thread pool a pass's every await came back through the pool's queue, behind the dashboards' requests and
/// event streams (20 dashboards on a 1,000-identity fleet: about 70 requests a second and 3 MB/s of events); here it
/// waits for the kernel alone. The thread also asks the kernel for real-time priority, the lowest there is
/// (SCHED_RR 1, <see cref="RealTimePriority"/>): a pass that can run then runs, ahead of every ordinary thread on the
/// machine. At 1,000 identities on two busy cores its thread waited 11 s a minute for a core at 5 nice steps above
/// the daemon (pass p50/p99 15.5/56.2 ms) and 0.05 s at real-time priority (6.5/16.9 ms), in one run. It cannot take the
/// machine: a pass is 10-13 ms of CPU at 1,000 identities, and woken passes are paced to a fifth of the time at most
/// (<see cref="PassTrigger"/>), and the kernel keeps 5% of every second for ordinary threads
/// (/proc/sys/kernel/sched_rt_runtime_us). That needs CAP_SYS_NICE or an RLIMIT_RTPRIO of 1 (systemd:
/// LimitRTPRIO=1); without either the thread asks for <see cref="Boost"/> nice steps above the daemon's other threads
/// (an RLIMIT_NICE that allows it, systemd: LimitNICE=), so that a pass at least outranks the web work of its own
/// process, and says so once; without that too it runs at the daemon's own priority. Either raise is the thread's
/// alone: SCHED_RESET_ON_FORK gives a program it starts (a post-service) ordinary scheduling and no negative
/// niceness, and a daemon its user niced keeps its loop at that niceness, so its programs never outrank it.
/// </summary>
/// <remarks>
/// Thread safety: <see cref="Post"/> and <see cref="Send"/> may be called from any thread. Work posted after the
/// loop has ended runs on the thread pool.
/// </remarks>
internal sealed class LoopThread : SynchronizationContext
{
    /// <summary>Nice steps above the daemon's own: weight 3,121 against 1,024 (sched(7)'s table) when both want a core.</summary>
    public const int Boost = 5;

    /// <summary>The lowest SCHED_RR priority: above every ordinary thread, below every real-time one the machine has.</summary>
    public const int RealTimePriority = 1;

    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];
    private int _threadId;

    private LoopThread()
    {
    }

    /// <summary>Runs <paramref name="body"/> on a new thread named <paramref name="name"/>, its awaits coming back to that thread; ends with it.</summary>
    public static Task RunAsync(string name, Func<Task> body, ILogger logger)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new LoopThread();
        var thread = new Thread(() => context.Run(body, done, logger)) { IsBackground = true, Name = name };
        thread.Start();
        return done.Task;
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        try
        {
            _queue.Add((d, state));
        }
        catch (InvalidOperationException)
        {
            // The loop has ended (its body's task completed): whatever still comes back runs where it would have.
            ThreadPool.QueueUserWorkItem(s => d(s), state, preferLocal: false);
        }
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId == _threadId)
        {
            d(state);
            return;
        }

        using var ran = new ManualResetEventSlim();
        Post(s => { try { d(s); } finally { ran.Set(); } }, state);
        ran.Wait();
    }

    public override SynchronizationContext CreateCopy() => this;

    private void Run(Func<Task> body, TaskCompletionSource done, ILogger logger)
    {
        _threadId = Environment.CurrentManagedThreadId;
        SetSynchronizationContext(this);
        RaisePriority(logger);
        Task task;
        try
        {
            task = body();
        }
        catch (Exception ex)
        {
            done.SetException(ex);
            return;
        }

        task.ContinueWith(_ => _queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        foreach (var (callback, state) in _queue.GetConsumingEnumerable())
        {
            callback(state);
        }

        if (task.Exception is { } failed)
        {
            done.SetException(failed.InnerExceptions);
        }
        else if (task.IsCanceled)
        {
            done.SetCanceled();
        }
        else
        {
            done.SetResult();
        }
    }

    private static void RaisePriority(ILogger logger)
    {
        try
        {
            var tid = NativeMethods.gettid();
            var realTime = RealTimePriority;
            if (NativeMethods.sched_setscheduler(tid, NativeMethods.SchedRoundRobin | NativeMethods.SchedResetOnFork, ref realTime) == 0)
            {
                logger.LogDebug("the reconcile loop's thread runs at real-time priority {Priority} (SCHED_RR)", RealTimePriority);
                return;
            }

            // The flag alone needs no privilege; it keeps a boosted niceness from the programs this thread starts, so
            // without it (a filter that refuses the call) there is no boost either.
            var other = 0;
            if (NativeMethods.sched_setscheduler(tid, NativeMethods.SchedOther | NativeMethods.SchedResetOnFork, ref other) != 0)
            {
                logger.LogInformation("the reconcile loop runs at the daemon's own priority: real-time priority needs CAP_SYS_NICE or a real-time limit (systemd: LimitRTPRIO={Priority}), and a raised niceness SCHED_RESET_ON_FORK, which was refused", RealTimePriority);
                return;
            }

            Marshal.SetLastPInvokeError(0);
            var nice = NativeMethods.getpriority(NativeMethods.PrioProcess, tid);
            if (nice == -1 && Marshal.GetLastPInvokeError() != 0)
            {
                return;
            }

            // A negative niceness is what SCHED_RESET_ON_FORK takes back from the programs the thread starts; a daemon
            // niced by its user keeps its loop at its own level, and its programs with it.
            if (nice > 0)
            {
                logger.LogInformation("the reconcile loop runs at the daemon's own priority (nice {Nice}): real-time priority needs CAP_SYS_NICE or a real-time limit (systemd: LimitRTPRIO={Priority})", nice, RealTimePriority);
                return;
            }

            var wanted = Math.Max(-20, nice - Boost);
            if (NativeMethods.setpriority(NativeMethods.PrioProcess, tid, wanted) == 0)
            {
                logger.LogInformation(
                    "the reconcile loop's thread runs at nice {Nice}, {Boost} above the daemon's other threads but not above other programs; real-time priority needs CAP_SYS_NICE or a real-time limit (systemd: LimitRTPRIO={Priority})",
                    wanted, nice - wanted, RealTimePriority);
                return;
            }

            logger.LogInformation(
                "the reconcile loop runs at the daemon's own priority: real-time priority needs CAP_SYS_NICE or a real-time limit (systemd: LimitRTPRIO={Priority}), nice {Nice} a nice limit (LimitNICE={Limit}); passes may then wait for a core behind other programs and the dashboard's requests when the CPU is short",
                RealTimePriority, wanted, 20 - wanted);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            logger.LogDebug("no per-thread scheduling in this C library ({Error}): the reconcile loop runs at the daemon's own priority", ex.Message);
        }
    }

    private static class NativeMethods
    {
        internal const int PrioProcess = 0;
        internal const int SchedOther = 0;
        internal const int SchedRoundRobin = 2;

        /// <summary>sched(7): a program this thread starts gets SCHED_OTHER and, for a negative niceness, nice 0.</summary>
        internal const int SchedResetOnFork = 0x40000000;

        /// <param name="priority">struct sched_param, whose one field is the priority.</param>
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int sched_setscheduler(int pid, int policy, ref int priority);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int getpriority(int which, int who);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int setpriority(int which, int who, int prio);

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int gettid();
    }
}
