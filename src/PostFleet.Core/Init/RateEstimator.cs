namespace PostFleet.Core.Init;

/// <summary>
/// Write rate over a sliding window of (time, bytes) samples. A window, not the average since start: a resumed run
/// starts with bytes already on disk, and the rate changes when other runs start or stop on the same machine.
/// </summary>
public sealed class RateEstimator(TimeSpan window)
{
    private readonly Queue<(DateTimeOffset At, ulong Bytes)> _samples = new();

    public static TimeSpan DefaultWindow { get; } = TimeSpan.FromSeconds(20);

    public void Add(DateTimeOffset at, ulong bytes)
    {
        // File sizes only grow during a run; a drop means a new run or a reset, so the old samples say nothing.
        if (_samples.Count > 0 && bytes < _samples.Last().Bytes)
        {
            _samples.Clear();
        }

        _samples.Enqueue((at, bytes));
        while (_samples.Count > 2 && at - _samples.Peek().At > window)
        {
            _samples.Dequeue();
        }
    }

    public double BytesPerSecond
    {
        get
        {
            if (_samples.Count < 2)
            {
                return 0;
            }

            var (firstAt, firstBytes) = _samples.Peek();
            var (lastAt, lastBytes) = _samples.Last();
            var seconds = (lastAt - firstAt).TotalSeconds;
            return seconds <= 0 ? 0 : (lastBytes - firstBytes) / seconds;
        }
    }
}
