using Microsoft.Extensions.Time.Testing;
using PostFleet.Daemon.Loop;

namespace PostFleet.InProcess.Tests;

/// <summary>
/// The trigger alone, on fake time: sets coalesce, a set wakes no sooner than five pass lengths (at most the
/// interval) after the last pass began, an intent at once.
/// </summary>
public sealed class PassTriggerTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Requeue = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Sets_within_the_interval_after_a_pass_coalesce_into_one_wake_at_the_intervals_end()
    {
        var time = new FakeTimeProvider(Start);
        var trigger = new PassTrigger(time, Interval);

        // The first pass is never paced.
        trigger.Set();
        await trigger.WaitAsync(Requeue, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // A pass of 200 ms; three sets come during and after it.
        time.Advance(TimeSpan.FromMilliseconds(200));
        trigger.Set();
        var wait = trigger.WaitAsync(Requeue, CancellationToken.None);
        trigger.Set();
        trigger.Set();
        Assert.True(SpinWait.SpinUntil(() => trigger.WaitingUntil == Start + Interval, TimeSpan.FromSeconds(30)), "the wait is put off to the interval's end");
        Assert.False(trigger.Pending);
        Assert.False(wait.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(799));
        await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
        Assert.False(wait.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Start + Interval, time.GetUtcNow());
        Assert.False(trigger.Pending);

        // Taken: the next wait runs to its requeue time when nothing is set.
        var quiet = trigger.WaitAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
        Assert.True(SpinWait.SpinUntil(() => trigger.WaitingUntil == Start + Interval + TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30)), "a wait without a set lasts its requeue");
        time.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
        Assert.False(quiet.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await quiet.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_set_after_the_interval_wakes_at_once_and_a_requeue_sooner_than_the_intervals_end_is_kept()
    {
        var time = new FakeTimeProvider(Start);
        var trigger = new PassTrigger(time, Interval);
        await trigger.WaitAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // A set two seconds after the last pass began: no interval left to wait.
        time.Advance(TimeSpan.FromSeconds(2));
        var wait = trigger.WaitAsync(Requeue, CancellationToken.None);
        Assert.True(SpinWait.SpinUntil(() => trigger.WaitingUntil is not null, TimeSpan.FromSeconds(30)), "the loop waits");
        trigger.Set();
        await wait.WaitAsync(TimeSpan.FromSeconds(30));

        // The planner's own requeue (300 ms) comes before the interval's end: it is not put off.
        time.Advance(TimeSpan.FromMilliseconds(100));
        var requeue = trigger.WaitAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        trigger.Set();
        Assert.True(SpinWait.SpinUntil(() => trigger.WaitingUntil == time.GetUtcNow() + TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30)), "the requeue time is kept");
        time.Advance(TimeSpan.FromMilliseconds(300));
        await requeue.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_intent_ends_a_paced_wait_at_once()
    {
        var time = new FakeTimeProvider(Start);
        var trigger = new PassTrigger(time, Interval);
        await trigger.WaitAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // A pass of 300 ms: five of them exceed the interval, which caps the pacing.
        time.Advance(TimeSpan.FromMilliseconds(300));
        trigger.Set();
        var wait = trigger.WaitAsync(Requeue, CancellationToken.None);
        Assert.True(SpinWait.SpinUntil(() => trigger.WaitingUntil == Start + Interval, TimeSpan.FromSeconds(30)), "the set waits for the interval");
        trigger.SetNow();
        await wait.WaitAsync(TimeSpan.FromSeconds(30));
        var afterIntent = Start + TimeSpan.FromMilliseconds(300);
        Assert.Equal(afterIntent, time.GetUtcNow());
        Assert.False(trigger.Pending);

        // An intent during a pass, right after the last one began: the next wait returns at once too.
        trigger.SetNow();
        Assert.True(trigger.Pending);
        await trigger.WaitAsync(Requeue, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(afterIntent, time.GetUtcNow());
    }

    [Fact]
    public async Task A_short_pass_paces_five_of_its_lengths_and_an_instant_one_not_at_all()
    {
        var time = new FakeTimeProvider(Start);
        var trigger = new PassTrigger(time, Interval);
        await trigger.WaitAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // A pass of 40 ms: a set waits until 200 ms after it began.
        time.Advance(TimeSpan.FromMilliseconds(40));
        trigger.Set();
        var wait = trigger.WaitAsync(Requeue, CancellationToken.None);
        Assert.True(SpinWait.SpinUntil(() => trigger.WaitingUntil == Start + TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30)), "five pass lengths");
        time.Advance(TimeSpan.FromMilliseconds(160));
        await wait.WaitAsync(TimeSpan.FromSeconds(30));

        // A pass that took no time at all (a small fleet): the next set wakes the loop at once.
        trigger.Set();
        await trigger.WaitAsync(Requeue, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Start + TimeSpan.FromMilliseconds(200), time.GetUtcNow());
    }

    [Fact]
    public async Task Regression_a_timer_that_fires_before_the_clock_reads_its_end_ends_the_wait_instead_of_waiting_again()
    {
        // A timer counts whole milliseconds, so it may fire while the clock still reads a moment before the end; the
        // wait used to wait again for that moment, a zero-length wait and a thrown timeout each time, hundreds a second.
        var time = new EarlyTimers(Start);
        var trigger = new PassTrigger(time, Interval);

        await trigger.WaitAsync(Requeue, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, time.Timers);
    }

    /// <summary>A clock that stands still and timers that fire at once: every timer fires before its end.</summary>
    private sealed class EarlyTimers(DateTimeOffset now) : TimeProvider
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override DateTimeOffset GetUtcNow() => now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (Interlocked.Increment(ref _timers) > 1000)
            {
                throw new InvalidOperationException("the wait spins: a thousand timers");
            }

            return System.CreateTimer(callback, state, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }
}
