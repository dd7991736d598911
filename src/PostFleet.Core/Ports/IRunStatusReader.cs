using PostFleet.Core.Configuration;
using PostFleet.Core.Model;

namespace PostFleet.Core.Ports;

/// <summary>
/// Reads a live run's operator <c>/status</c> from where the daemon can reach it. The service binds its operator
/// address where it runs (another machine, a pod); only the run's placement says how the daemon gets there, so
/// the runtime (or an <see cref="IStatusAddressResolver"/> for it) answers, never the bind address alone.
/// </summary>
public interface IRunStatusReader
{
    /// <summary>Never throws for a service that does not answer: that is <see cref="ServiceStatus.Unreachable"/>.</summary>
    Task<ServiceStatus> ReadStatusAsync(ServiceSpec service, RuntimeInstance run, CancellationToken cancellationToken);
}

/// <summary>Where the daemon dials a run's operator API directly (IP:port or host:port), given where the run is.</summary>
public interface IStatusAddressResolver
{
    string StatusAddressOf(ServiceSpec service, RuntimeInstance run);
}
