using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// A thread of the reconcile loop's own, and the synchronization context that brings the loop's awaits back to it.
/// On the thread pool a pass's every await came back through the pool's queue, behind the dashboards' requests and
/// event streams (20 dashboards on a 1,000-identity fleet: about 70 requests a second and 3 MB/s of events); here it
/// waits for the kernel alone. The thread also asks the kernel for <see cref="Boost"/> steps more priority than the
/// daemon's other threads, so that a pass outranks the web work of its own process when the CPU is short: a pass is
/// a few milliseconds of CPU, paced to a fifth of the time at most (<see cref="PassTrigger"/>), so it can take
/// nothing lasting from them. That needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (systemd: LimitNICE=);
/// without either the loop runs at the daemon's own priority and says so once.
/// </summary>
/// <remarks>
/// Thread safety: <see cref="Post"/> and <see cref="Send"/> may be called from any thread. Work posted after the
/// loop has ended runs on the thread pool.
/// </remarks>
internal sealed class LoopThread : SynchronizationContext
{
    /// <summary>Nice steps above the daemon's own: weight 3,121 against 1,024 (sched(7)'s table) when both want a core.</summary>
    public const int Boost = 5;

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
            Marshal.SetLastPInvokeError(0);
            var nice = NativeMethods.getpriority(NativeMethods.PrioProcess, tid);
            if (nice == -1 && Marshal.GetLastPInvokeError() != 0)
            {
                return;
            }

            var wanted = Math.Max(-20, nice - Boost);
            if (NativeMethods.setpriority(NativeMethods.PrioProcess, tid, wanted) == 0)
            {
                logger.LogDebug("the reconcile loop's thread runs at nice {Nice}, {Boost} above the daemon's other threads", wanted, nice - wanted);
                return;
            }

            logger.LogInformation(
                "the reconcile loop runs at the daemon's own priority: raising its thread to nice {Nice} needs CAP_SYS_NICE or a nice limit that allows it (systemd: LimitNICE={Limit}); passes may then wait behind the dashboard's requests when the CPU is short",
                wanted, 20 - wanted);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            logger.LogDebug("no per-thread priority in this C library ({Error}): the reconcile loop runs at the daemon's own", ex.Message);
        }
    }

    private static class NativeMethods
    {
        internal const int PrioProcess = 0;

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
