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

    /// <summary>
    /// The service a container or pod of this fleet runs, from its service label (or annotation); null, with the
    /// reason, when the value cannot be one of ours. Such a run is ignored, never adopted under a guessed name (a
    /// container merely named like a service would otherwise count as that service's run).
    /// </summary>
    public static string? AdoptedService(string? value, out string problem)
    {
        problem = value switch
        {
            null => $"it has no {Service} label",
            { Length: 0 } => $"its {Service} label is empty",
            { Length: > 253 } => $"its {Service} label is {value.Length} characters long",
            "." or ".." => $"its {Service} label '{value}' is not a service name",
            _ when value.Any(c => char.IsControl(c) || c is '/' or '\\') || value.Trim() != value =>
                $"its {Service} label holds a path separator, a control character or surrounding space",
            _ => "",
        };
        return problem.Length == 0 ? value : null;
    }
}
