using PostFleet.Core.Configuration;

namespace PostFleet.Runtime.Docker;

/// <summary>
/// Where the daemon reads a container's /status: on the engine that runs it (the run's instance id names it, so an
/// adopted run is read where it really is). A container on this machine's engine binds here; one on a remote engine
/// binds that host's interfaces (<see cref="ServicePlacement.OnEngine"/>).
/// </summary>
internal static class DockerStatusAddresses
{
    public static string Resolve(DockerEndpoint endpoint, string operatorAddress) =>
        endpoint.IsRemote ? ServicePlacement.OnEngine(endpoint.StatusHost, endpoint.Address.Host, operatorAddress) : operatorAddress;
}
