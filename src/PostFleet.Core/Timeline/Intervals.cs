namespace PostFleet.Core.Timeline;

/// <summary>Whether something held back until an interval passes may be done again.</summary>
public static class Intervals
{
    /// <summary>
    /// True when <paramref name="interval"/> has passed since <paramref name="last"/>, or the clock went back before
    /// it (a stepped wall clock must not hold a thing back for the length of the step).
    /// </summary>
    public static bool HavePassed(TimeSpan interval, DateTimeOffset last, DateTimeOffset now) => now - last >= interval || now < last;
}
