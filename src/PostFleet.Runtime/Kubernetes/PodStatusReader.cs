using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Runtime.Docker;
using PostFleet.Spacemesh.Operator;

namespace PostFleet.Runtime.Kubernetes;

/// <summary>
/// Reads a pod's operator <c>/status</c> through the API server's pod proxy
/// (<c>GET /api/v1/namespaces/{ns}/pods/{name}:{port}/proxy/status</c>): the API server connects to the pod's IP,
/// which the daemon may not reach itself, and the daemon needs only the <c>pods/proxy</c> get right. The service must
/// therefore bind a wildcard address in its pod (validate refuses a loopback one).
/// </summary>
internal sealed class PodStatusReader(IKubernetes client, TimeProvider time)
{
    /// <summary>As for a direct read: a healthy service answers at once; a slow one counts as "no answer now".</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<ServiceStatus> ReadAsync(string ns, string pod, string operatorAddress, CancellationToken cancellationToken)
    {
        if (!Endpoints.TryParseOperator(operatorAddress, out var bind, out var problem))
        {
            return new ServiceStatus.Unreachable($"invalid operator address: {problem}");
        }

        var target = $"{pod}:{bind.Port.ToString(CultureInfo.InvariantCulture)}";
        var where = $"the pod proxy of {ns}/{target}";
        using var deadline = new Deadline(Timeout, time, cancellationToken);
        try
        {
            using var response = await client.CoreV1.ConnectGetNamespacedPodProxyWithPathWithHttpMessagesAsync(target, ns, "status", cancellationToken: deadline.Token);
            return OperatorStatusParser.Parse(await BodyAsync(response.Body, deadline.Token));
        }
        catch (HttpOperationException ex)
        {
            // 503: the API server could not reach the pod (not started, nothing on the port); 403: no pods/proxy right.
            var message = ex.Response.Content is { Length: > 0 } content ? content.Trim() : ex.Response.ReasonPhrase;
            return new ServiceStatus.Unreachable($"HTTP {(int)ex.Response.StatusCode} from {where}: {Shorten(message)}" +
                (ex.Response.StatusCode == HttpStatusCode.Forbidden ? "; the daemon's account needs get on pods/proxy (deploy/kubernetes/rbac.yaml)" : ""));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ServiceStatus.Unreachable($"no answer from {where} within {Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return new ServiceStatus.Unreachable($"{ex.Message} ({where})");
        }
    }

    /// <summary>The body of a pod proxy answer, which the client library gives as text or as a stream.</summary>
    internal static async Task<string> BodyAsync(object? body, CancellationToken cancellationToken) => body switch
    {
        string text => text,
        Stream stream => await new StreamReader(stream).ReadToEndAsync(cancellationToken),
        _ => "",
    };

    private static string? Shorten(string? text) => text is { Length: > 300 } ? text[..300] + "…" : text;
}
