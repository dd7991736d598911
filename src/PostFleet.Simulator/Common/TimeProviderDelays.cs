namespace PostFleet.Simulator.Common;

/// <summary>Waits that end at a wall-clock instant, never before it (as go's deadlines do).</summary>
public static class TimeProviderDelays
{
    public static async Task DelayUntilAsync(this TimeProvider time, DateTimeOffset when, CancellationToken cancellationToken)
    {
        // A timer can fire a millisecond early; wait again for what is left instead of waking before the instant.
        for (var wait = when - time.GetUtcNow(); wait > TimeSpan.Zero; wait = when - time.GetUtcNow())
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }
}
