namespace PostFleet.Runtime.Docker;

/// <summary>
/// The label scheme shared by the container runtimes. Labels are the only state a container runtime keeps: after
/// an orchestrator restart, everything a <see cref="PostFleet.Core.Model.RuntimeInstance"/> needs is read back
/// from them (adoption), so nothing about a run lives only in this process's memory.
/// </summary>
public static class FleetLabels
{
    /// <summary>Which fleet (orchestrator configuration) owns the run; ListAsync filters on it.</summary>
    public const string Fleet = "io.postfleet.fleet";

    /// <summary>The post-service (identity) name, as in the fleet config.</summary>
    public const string Service = "io.postfleet.service";

    /// <summary>A fresh id per start, so two runs of one service are never confused.</summary>
    public const string Run = "io.postfleet.run";

    /// <summary>
    /// Where the orchestrator writes this run's log (a path on the orchestrator's machine). Docker keeps it as a
    /// label; Kubernetes as an annotation, since label values cannot hold a path.
    /// </summary>
    public const string LogPath = "io.postfleet.log-path";
}
