using System.Globalization;
using System.Net;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Runtime.Docker;

/// <summary>
/// Where the daemon reads a container's /status: on the engine that runs it (the run's instance id names it, so an
/// adopted run is read where it really is). A container on this machine's host network binds here; one on a remote
/// engine binds that host's interfaces, reached at its <see cref="DockerEndpoint.StatusHost"/>, else at the IP it
/// binds, else (a wildcard bind) at the host of the engine's tcp:// address.
/// </summary>
internal static class DockerStatusAddresses
{
    public static string Resolve(DockerEndpoint endpoint, string operatorAddress)
    {
        if (!Endpoints.TryParseOperator(operatorAddress, out var bind, out _))
        {
            return operatorAddress; // the client reports it as an invalid address
        }

        var wildcard = bind.Address.Equals(IPAddress.Any) || bind.Address.Equals(IPAddress.IPv6Any);
        var host = endpoint.StatusHost
            ?? (!endpoint.IsRemote ? null : wildcard ? endpoint.Address.Host : null);
        if (host is null)
        {
            return operatorAddress;
        }

        var port = bind.Port.ToString(CultureInfo.InvariantCulture);
        return host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
    }
}
