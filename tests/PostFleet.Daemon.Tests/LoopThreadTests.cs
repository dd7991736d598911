using Microsoft.Extensions.Logging;
using PostFleet.Daemon.Loop;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The reconcile loop's own thread: every await of the loop comes back to it (never to the thread pool's queue), its
/// failures reach the daemon, and the thread runs at real-time priority or above the daemon's other threads, or says
/// why not, without passing either on to the programs it starts.
/// </summary>
public sealed class LoopThreadTests
{
    [Fact]
    public async Task Every_await_of_the_body_comes_back_to_the_loop_thread()
    {
        var threads = new List<int>();
        var fromElsewhere = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = LoopThread.RunAsync("test loop", async () =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Delay(10);
            threads.Add(Environment.CurrentManagedThreadId);
            await fromElsewhere.Task;
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Run(() => Thread.Sleep(5));
            threads.Add(Environment.CurrentManagedThreadId);
            Assert.Equal("test loop", Thread.CurrentThread.Name);
        }, new Logs());

        await Task.Run(fromElsewhere.SetResult);
        await loop.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(4, threads.Count);
        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
    }

    [Fact]
    public async Task A_failure_of_the_body_is_the_loop_tasks_and_work_posted_after_the_end_still_runs()
    {
        SynchronizationContext? context = null;
        var loop = LoopThread.RunAsync("test loop", async () =>
        {
            context = SynchronizationContext.Current;
            await Task.Yield();
            throw new InvalidOperationException("pass broke");
        }, new Logs());

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => loop.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("pass broke", failure.Message);

        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        context!.Post(_ => ran.SetResult(), null);
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_loop_thread_runs_at_real_time_priority_or_above_the_daemons_other_threads_or_says_why_not()
    {
        var logs = new Logs();
        Scheduling own = default;
        await LoopThread.RunAsync("test loop", () =>
        {
            own = Scheduling.Of("thread-self");
            return Task.CompletedTask;
        }, logs).WaitAsync(TimeSpan.FromSeconds(60));

        var process = Scheduling.Of("self");
        var messages = string.Join('\n', logs.Messages);
        if (own.Policy == SchedRoundRobin)
        {
            Assert.Equal(LoopThread.RealTimePriority, own.RealTimePriority);
            Assert.DoesNotContain("own priority", messages, StringComparison.Ordinal);
        }
        else if (own.Nice == Math.Max(-20, process.Nice - LoopThread.Boost))
        {
            Assert.Equal(SchedOther, own.Policy);
            Assert.Contains("LimitRTPRIO=1", messages, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(process.Nice, own.Nice);
            Assert.Contains("the reconcile loop runs at the daemon's own priority", messages, StringComparison.Ordinal);
            Assert.Contains("CAP_SYS_NICE", messages, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A program started from the loop's thread (a post-service, a k2pow worker) runs as the daemon does, not at the
    /// loop's real-time priority or boosted niceness: a proof's hours of CPU must never outrank the machine.
    /// </summary>
    [Fact]
    public async Task A_program_started_from_the_loop_thread_does_not_inherit_its_priority()
    {
        string? child = null;
        await LoopThread.RunAsync("test loop", async () =>
        {
            // The fork happens on this thread: Process.Start forks from the thread that calls it.
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/cat", "/proc/self/stat") { RedirectStandardOutput = true })!;
            child = process.StandardOutput.ReadToEnd();
            await process.WaitForExitAsync();
        }, new Logs()).WaitAsync(TimeSpan.FromSeconds(60));

        var started = Scheduling.Of(ProcStat.Parse(child!));
        var daemon = Scheduling.Of("self");
        Assert.Equal(SchedOther, started.Policy);
        Assert.Equal(0, started.RealTimePriority);
        // Never above the daemon; the kernel resets a negative niceness to 0 (sched(7), SCHED_RESET_ON_FORK).
        Assert.InRange(started.Nice, daemon.Nice, Math.Max(0, daemon.Nice));
    }

    private const int SchedOther = 0;
    private const int SchedRoundRobin = 2;

    private readonly record struct Scheduling(int Nice, int RealTimePriority, int Policy)
    {
        public static Scheduling Of(string which) => Of(ProcStat.Of(which));

        public static Scheduling Of(ProcStat stat) => new(stat.Nice, (int)stat.Number(40), (int)stat.Number(41));
    }

    private sealed class Logs : ILogger
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_messages)
            {
                _messages.Add(formatter(state, exception));
            }
        }
    }
}
