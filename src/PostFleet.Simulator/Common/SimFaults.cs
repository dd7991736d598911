namespace PostFleet.Simulator.Common;

/// <summary>
/// Faults a tool (the soak, a test) switches on in a running simulated program by creating a file, and off by
/// deleting it. Without the files the programs behave exactly as the real ones; nothing here is a flag of theirs.
/// </summary>
public static class SimFaults
{
    /// <summary>
    /// While <c>&lt;host&gt;/.postfleet-sim/faults/hang-status/&lt;pid&gt;</c> exists, that post-service's operator
    /// endpoint accepts connections and requests but never answers them (as a wedged HTTP task would).
    /// </summary>
    public static string HangStatusFile(string hostDir, int pid) =>
        Path.Combine(hostDir, ".postfleet-sim", "faults", "hang-status", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The node's clock offset file, <c>&lt;data-folder&gt;/sim-clock-offset</c>: a Go duration of network time
    /// (divided by <c>--time-scale</c> like every other), positive ahead, negative behind. Its clock jumps when the
    /// file changes and jumps back when it is deleted.
    /// </summary>
    public static string ClockOffsetFile(string nodeDataDir) => Path.Combine(nodeDataDir, "sim-clock-offset");
}
