using PostFleet.Core.Timeline;

namespace PostFleet.Doctor.Checks;

/// <summary>The node's CurrentLayer and the layer this host computes from the node's genesis and layer duration.</summary>
public sealed record ClockObservation(NetworkClock? Clock, uint? NodeLayer, DateTimeOffset LocalNow, string? Error = null);

/// <summary>
/// PostFleet times every start from its own clock and the node's genesis; a host clock that disagrees with the
/// node by more than a layer starts services late or early.
/// </summary>
public static class ClockCheck
{
    public static Finding Evaluate(ClockObservation seen)
    {
        const string Subject = "clock";
        if (seen.Clock is null || seen.NodeLayer is null)
        {
            return Finding.Warn(CheckNames.Clock, Subject, $"could not compare with the node: {seen.Error}", "fix the public listener first (see the listener findings)");
        }

        var local = seen.Clock.LayerAt(seen.LocalNow);
        var node = seen.NodeLayer.Value;
        var off = (long)local - node;
        var text = $"node's current layer {node}, this host computes {local} (genesis {seen.Clock.Genesis:u}, {seen.Clock.LayerDuration.TotalSeconds:0.###} s layers)";
        return Math.Abs(off) > 1
            ? Finding.Warn(CheckNames.Clock, Subject, $"{text}: {Math.Abs(off)} layers {(off > 0 ? "ahead of" : "behind")} the node",
                "synchronise the clocks of this host and the node's host (NTP: `timedatectl status`, chrony or systemd-timesyncd)")
            : Finding.Ok(CheckNames.Clock, Subject, text);
    }
}
