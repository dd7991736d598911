using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Daemon.Reliability;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

public sealed class NativeHeapTrimTests
{
    [Fact]
    public async Task The_c_heap_is_trimmed_once_each_interval_and_never_sooner()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var calls = 0;
        var trim = new NativeHeapTrim(time, NullLogger.Instance, () => Interlocked.Increment(ref calls));
        using var stop = new CancellationTokenSource();
        var running = trim.RunAsync(stop.Token);

        time.Advance(NativeHeapTrim.Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, Volatile.Read(ref calls));
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.UntilAsync(() => trim.Trims == 1, "the first trim");
        time.Advance(NativeHeapTrim.Interval);
        await Eventually.UntilAsync(() => trim.Trims == 2, "the second trim");

        await stop.CancelAsync();
        await running;
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_c_library_without_malloc_trim_ends_the_trimming_at_the_first_try()
    {
        var time = new FakeTimeProvider();
        var trim = new NativeHeapTrim(time, NullLogger.Instance, () => throw new EntryPointNotFoundException("malloc_trim"));
        var running = trim.RunAsync(CancellationToken.None);

        time.Advance(NativeHeapTrim.Interval);
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, trim.Trims);
    }

    [Fact]
    public async Task This_machines_c_library_trims()
    {
        // The real call (glibc here): it returns, whether or not it had pages to give back.
        var time = new FakeTimeProvider();
        var trim = new NativeHeapTrim(time, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = trim.RunAsync(stop.Token);
        time.Advance(NativeHeapTrim.Interval);
        await Eventually.UntilAsync(() => trim.Trims == 1, "the real malloc_trim");
        await stop.CancelAsync();
        await running;
    }
}
