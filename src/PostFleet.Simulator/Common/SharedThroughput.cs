namespace PostFleet.Simulator.Common;

/// <summary>
/// Paces work on a resource shared with other processes through a <see cref="LeaseFolder"/>. The rate is
/// recomputed from the live leases every ~100 ms, so a process that starts or stops sharing changes everyone's
/// speed within a tick. Work is handed out in whole chunks so progress is observed in visible steps.
/// </summary>
public sealed class SharedThroughput(LeaseFolder leases, Func<IReadOnlyList<int>, double> ratePerSecond, TimeProvider time)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Earns <paramref name="total"/> units at the shared rate; every <paramref name="step"/> earned units call
    /// <paramref name="onChunk"/>(offset, length), which returns false to stop early. Returns the units done.
    /// </summary>
    public async Task<long> RunAsync(long total, long step, int weight, Func<long, long, ValueTask<bool>> onChunk, CancellationToken cancellationToken)
    {
        using var lease = leases.Acquire(weight);
        double earned = 0;
        long done = 0;
        var last = time.GetTimestamp();
        while (done < total)
        {
            var rate = Math.Max(1e-9, ratePerSecond(leases.LiveWeights()));
            var nextChunk = Math.Min(step, total - done);
            var untilChunk = TimeSpan.FromSeconds(Math.Max(0, nextChunk - earned) / rate);
            await Task.Delay(untilChunk < Tick ? untilChunk : Tick, time, cancellationToken).ConfigureAwait(false);
            var now = time.GetTimestamp();
            earned += rate * time.GetElapsedTime(last, now).TotalSeconds;
            last = now;
            while (done < total && earned >= Math.Min(step, total - done))
            {
                var length = Math.Min(step, total - done);
                earned -= length;
                var goOn = await onChunk(done, length).ConfigureAwait(false);
                done += length;
                if (!goOn)
                {
                    return done;
                }
            }
        }

        return done;
    }
}
