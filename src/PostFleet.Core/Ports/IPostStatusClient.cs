using PostFleet.Core.Model;

namespace PostFleet.Core.Ports;

/// <summary>A post-service's operator API (<c>GET http://ADDRESS/status</c>).</summary>
public interface IPostStatusClient
{
    /// <summary>Never throws for a service that does not answer: that is <see cref="ServiceStatus.Unreachable"/>.</summary>
    Task<ServiceStatus> GetStatusAsync(string operatorAddress, CancellationToken cancellationToken);
}
