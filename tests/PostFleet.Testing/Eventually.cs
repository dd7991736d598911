using System.Diagnostics;
using Xunit.Sdk;

namespace PostFleet.Testing;

/// <summary>
/// Waits on a condition with a generous timeout; tests never sleep a fixed time to "let things happen". A probe
/// that is not ready yet returns null/false or throws an ordinary exception (a connection refused, a file not yet
/// written), which is retried; an assertion that fails inside a probe fails the test at once, as anywhere else.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(probe, () => what, timeout, interval);

    /// <summary>
    /// As above, with the description made when the wait times out: a message that shows a process's output or a
    /// record must show it as it was at the end of the wait, not at its start.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, Func<string> what, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var step = interval ?? TimeSpan.FromMilliseconds(100);
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < limit)
        {
            try
            {
                var value = await probe();
                if (value is not null && value is not false)
                {
                    return value;
                }
            }
            catch (Exception ex) when (!IsVerdict(ex))
            {
                last = ex;
            }

            await Task.Delay(step);
        }

        throw new TimeoutException($"timed out after {limit.TotalSeconds:0}s waiting for {what()}" + (last is null ? "" : $"; last error: {last.Message}"), last);
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync<object>(() => Task.FromResult<object?>(condition() ? true : null), what, timeout);

    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync<object>(async () => await condition() ? true : null, what, timeout);

    public static Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null) =>
        UntilAsync<object>(() => Task.FromResult<object?>(condition() ? true : null), what, timeout);

    public static Task UntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null) =>
        UntilAsync<object>(async () => await condition() ? true : null, what, timeout);

    /// <summary>
    /// A failed assertion (xunit's exceptions) or a cancellation is the test's answer, not "not ready yet".
    /// </summary>
    internal static bool IsVerdict(Exception ex) =>
        ex is XunitException or OperationCanceledException
        || (ex is AggregateException aggregate && aggregate.InnerExceptions.Any(IsVerdict));
}
