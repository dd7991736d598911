using Google.Protobuf.WellKnownTypes;

namespace PostFleet.Spacemesh.Node;

/// <summary>
/// Times and durations from the node's messages, or null where the value cannot be one: protobuf's own conversions
/// throw on seconds or nanos out of range, and a node answer must never throw out of the adapter (NodeAnswerFuzzTests).
/// </summary>
internal static class WireTime
{
    // Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z (google/protobuf/timestamp.proto).
    private const long MinSeconds = -62135596800;
    private const long MaxSeconds = 253402300799;
    private const int NanosPerSecond = 1_000_000_000;

    public static DateTimeOffset? Time(Timestamp? timestamp) =>
        timestamp is { Seconds: >= MinSeconds and <= MaxSeconds, Nanos: >= 0 and < NanosPerSecond } ? timestamp.ToDateTimeOffset() : null;

    /// <summary>A duration within ±10,000 years whose seconds and nanos agree in sign.</summary>
    public static TimeSpan? Span(Duration? duration) =>
        duration is { Seconds: >= -315576000000 and <= 315576000000, Nanos: > -NanosPerSecond and < NanosPerSecond }
            && (duration.Seconds == 0 || duration.Nanos == 0 || (duration.Seconds > 0) == (duration.Nanos > 0))
            ? duration.ToTimeSpan()
            : null;

    public static DateTimeOffset? UnixSeconds(ulong seconds) =>
        seconds <= (ulong)(MaxSeconds - 1) ? DateTimeOffset.FromUnixTimeSeconds((long)seconds) : null;

    /// <summary>Whole seconds up to a year: a layer is seconds to minutes long.</summary>
    public static TimeSpan? Seconds(ulong seconds) =>
        seconds <= 365UL * 24 * 3600 ? TimeSpan.FromSeconds(seconds) : null;
}
