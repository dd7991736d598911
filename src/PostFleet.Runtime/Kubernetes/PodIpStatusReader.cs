using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Runtime.Docker;

namespace PostFleet.Runtime.Kubernetes;

/// <summary>
/// Reads a pod's operator <c>/status</c> at the pod's own IP (<c>status.podIP</c>, as the API server reports it) and
/// the service's operator port: for a daemon that can route into the pod network (it runs in the cluster, or the
/// pod network is routed to it) and would rather not send every read through the API server. The service binds a
/// wildcard address in its pod (validate refuses anything else with this route).
/// </summary>
internal sealed class PodIpStatusReader(IKubernetes client, IPostStatusClient operators, TimeProvider time, TimeSpan requestTimeout)
{
    public async Task<ServiceStatus> ReadAsync(string ns, string pod, string operatorAddress, CancellationToken cancellationToken)
    {
        if (!Endpoints.TryParseOperator(operatorAddress, out var bind, out var problem))
        {
            return new ServiceStatus.Unreachable($"invalid operator address: {problem}");
        }

        string? ip;
        string? phase;
        using (var deadline = new Deadline(requestTimeout, time, cancellationToken))
        {
            try
            {
                var found = await client.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: deadline.Token);
                (ip, phase) = (found.Status?.PodIP, found.Status?.Phase);
            }
            catch (HttpOperationException ex)
            {
                return new ServiceStatus.Unreachable($"HTTP {(int)ex.Response.StatusCode} from the API server reading pod {ns}/{pod} for its IP");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new ServiceStatus.Unreachable($"no answer from the API server within {requestTimeout.TotalSeconds:0.#} s reading pod {ns}/{pod} for its IP");
            }
            catch (HttpRequestException ex)
            {
                return new ServiceStatus.Unreachable($"{ex.Message} (the API server, reading pod {ns}/{pod} for its IP)");
            }
        }

        if (!IPAddress.TryParse(ip, out var address))
        {
            return new ServiceStatus.Unreachable($"pod {ns}/{pod} has no IP yet (phase {phase ?? "unknown"})");
        }

        var port = bind.Port.ToString(CultureInfo.InvariantCulture);
        return await operators.GetStatusAsync(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}", cancellationToken);
    }
}
