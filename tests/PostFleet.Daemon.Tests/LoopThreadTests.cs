using System.Globalization;
using Microsoft.Extensions.Logging;
using PostFleet.Daemon.Loop;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The reconcile loop's own thread: every await of the loop comes back to it (never to the thread pool's queue), its
/// failures reach the daemon, and the thread runs above the daemon's other threads, or says why not.
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
    public async Task The_loop_thread_runs_above_the_daemons_other_threads_or_says_why_not()
    {
        var logs = new Logs();
        var own = 0;
        await LoopThread.RunAsync("test loop", () =>
        {
            own = ThreadNice("thread-self");
            return Task.CompletedTask;
        }, logs).WaitAsync(TimeSpan.FromSeconds(60));

        var process = ThreadNice("self");
        if (own == Math.Max(-20, process - LoopThread.Boost))
        {
            Assert.DoesNotContain(logs.Messages, m => m.Contains("own priority", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(process, own);
            Assert.Contains(logs.Messages, m => m.Contains("the reconcile loop runs at the daemon's own priority", StringComparison.Ordinal) && m.Contains("CAP_SYS_NICE", StringComparison.Ordinal));
        }
    }

    /// <summary>Field 19 of /proc/…/stat (after the parenthesised name): the thread's nice value.</summary>
    private static int ThreadNice(string which)
    {
        var stat = File.ReadAllText($"/proc/{which}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], CultureInfo.InvariantCulture);
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
