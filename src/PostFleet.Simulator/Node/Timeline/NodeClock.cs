using System.Text.Json.Nodes;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Node;

/// <summary>
/// The node machine's wall clock: the system clock plus an offset read from <see cref="SimFaults.ClockOffsetFile"/>,
/// so a tool can make it jump forward or back (an NTP step, a wrong RTC). Only "now" jumps: timers already set keep
/// their length, as Go's monotonic timers and context deadlines do, and the layer clock, the PoET timeline and
/// everything served read the jumped "now" from then on. Without the file it is the system clock.
/// </summary>
public sealed class NodeClock(TimeProvider system, string offsetFile, double timeScale, SimRecord? record) : TimeProvider
{
    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(100);
    private readonly Lock _gate = new();
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;
    private string? _text;
    private TimeSpan _offset;

    public override DateTimeOffset GetUtcNow()
    {
        var now = system.GetUtcNow();
        return now + Offset(now);
    }

    public override long GetTimestamp() => system.GetTimestamp();

    public override long TimestampFrequency => system.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => system.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        system.CreateTimer(callback, state, dueTime, period);

    private TimeSpan Offset(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (now - _checkedAt < Recheck && now >= _checkedAt)
            {
                return _offset;
            }

            _checkedAt = now;
            var text = Read();
            if (text != _text)
            {
                _text = text;
                var offset = text is not null && GoDuration.TryParse(text, out var parsed) ? parsed / timeScale : TimeSpan.Zero;
                if (offset != _offset)
                {
                    _offset = offset;
                    record?.Write("clock-jumped", null, new JsonObject { ["offsetSeconds"] = offset.TotalSeconds });
                }
            }

            return _offset;
        }
    }

    private string? Read()
    {
        try
        {
            return File.Exists(offsetFile) ? File.ReadAllText(offsetFile).Trim() : null;
        }
        catch (IOException)
        {
            return _text;
        }
    }
}
