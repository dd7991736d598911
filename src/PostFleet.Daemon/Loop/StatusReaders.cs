using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// How the daemon reads /status for the runtime in use: a runtime that reads it itself (Kubernetes, through the
/// API server's pod proxy), else the operator client at the address the runtime resolves for the run's placement
/// (a remote Docker engine's host), else at the address the service binds (this machine's processes).
/// </summary>
public static class StatusReaders
{
    public static IRunStatusReader For(IServiceRuntime runtime, IPostStatusClient operators) =>
        runtime as IRunStatusReader ?? new DirectStatusReader(operators, runtime as IStatusAddressResolver ?? BoundAddress.Instance);

    private sealed class DirectStatusReader(IPostStatusClient operators, IStatusAddressResolver addresses) : IRunStatusReader
    {
        public Task<ServiceStatus> ReadStatusAsync(ServiceSpec service, RuntimeInstance run, CancellationToken cancellationToken) =>
            operators.GetStatusAsync(addresses.StatusAddressOf(service, run), cancellationToken);
    }

    /// <summary>The service runs on this machine, in its network namespace: it is read where it binds.</summary>
    private sealed class BoundAddress : IStatusAddressResolver
    {
        public static readonly BoundAddress Instance = new();

        public string StatusAddressOf(ServiceSpec service, RuntimeInstance run) => service.OperatorAddress;
    }
}
