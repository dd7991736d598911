namespace PostFleet.Simulator.Common;

/// <summary>
/// Waiting for a wall-clock instant. Timers run on the monotonic tick count and can wake a millisecond before
/// the wall clock reaches the instant; the real programs compare wall-clock times, so we wait again until we
/// are truly there.
/// </summary>
public static class WallClock
{
    public static async Task DelayUntilAsync(this TimeProvider time, DateTimeOffset when, CancellationToken cancellationToken)
    {
        for (var wait = when - time.GetUtcNow(); wait > TimeSpan.Zero; wait = when - time.GetUtcNow())
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
