using PostFleet.Core.Configuration;

namespace PostFleet.Core.Model;

/// <summary>
/// A running service's phase as operators talk about it, derived from its operator /status: the real service
/// does not tell k2pow from reading, so "Proving at position 0" is read as k2pow (what every tool does).
/// </summary>
public enum ServicePhase
{
    NotRunning,
    Starting,
    K2Pow,
    Reading,
    DoneProving,
    Idle,
    Unreachable,

    /// <summary>/status answers with a body this version does not know.</summary>
    Unrecognised,
}

public static class ServicePhases
{
    /// <summary>
    /// As <see cref="Of(ServiceStatus?, bool)"/>, with a silent /status read as <see cref="ServicePhase.Starting"/>
    /// when the run is in its start-up (<c>RunStartup.IsStartingUp</c>: fast RandomX holds /status while it builds).
    /// </summary>
    public static ServicePhase Of(ServiceStatus? status, bool running, bool startingUp) =>
        running && startingUp && status is ServiceStatus.Unreachable ? ServicePhase.Starting : Of(status, running);

    public static ServicePhase Of(ServiceStatus? status, bool running) => (running, status) switch
    {
        (false, _) => ServicePhase.NotRunning,
        (true, null) => ServicePhase.Starting,
        (true, ServiceStatus.Proving { Position: 0 }) => ServicePhase.K2Pow,
        (true, ServiceStatus.Proving) => ServicePhase.Reading,
        (true, ServiceStatus.DoneProving) => ServicePhase.DoneProving,
        (true, ServiceStatus.Idle) => ServicePhase.Idle,
        (true, ServiceStatus.Unreachable) => ServicePhase.Unreachable,
        (true, ServiceStatus.Unrecognised) => ServicePhase.Unrecognised,
        _ => ServicePhase.Unreachable,
    };

    /// <summary>Bytes one full read of the identity's PoST data covers: units × labels per unit × 16.</summary>
    public static ulong DataBytes(ServiceSpec service, PostSettings post) => service.NumUnits * post.LabelsPerUnit * 16UL;

    /// <summary>Fraction of the current pass's read done, 0..1.</summary>
    public static double ReadFraction(ServiceStatus? status, ServiceSpec service, PostSettings post) =>
        status is ServiceStatus.Proving proving && DataBytes(service, post) is > 0 and var total
            ? Math.Min(1.0, (double)proving.Position / total)
            : 0;
}
