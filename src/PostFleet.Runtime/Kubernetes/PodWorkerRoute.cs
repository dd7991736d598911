using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using k8s;
using k8s.Autorest;
using PostFleet.Core.Configuration;
using PostFleet.Runtime.Docker;

namespace PostFleet.Runtime.Kubernetes;

/// <summary>
/// Carries the k2pow router's HTTP requests to managed workers that run as pods. A worker's configured address
/// (its <c>-b</c> bind) is what the router knows it by, but inside a pod it is not reachable from the daemon: a
/// request to one of <paramref name="workers"/> (bind address → worker name) goes to that worker's running pod the
/// way the Kubernetes runtime reads a post-service's /status: through the API server's pod proxy
/// (<c>pods/{pod}:{port}/proxy/{path}</c>), or with <c>kubernetes.status-via: pod-ip</c> to <c>status.podIP:port</c>.
/// Any other request (an external worker) passes on unchanged. No running pod, or an API server that cannot reach
/// it, is a connection error to the router: the worker is unreachable, its job goes to another.
/// The router polls its workers' jobs often, so each worker's pod is looked up once and kept until a request
/// through it fails (the pod was replaced or is gone), not listed again for every request. Safe for concurrent
/// requests: the cache is a concurrent map, and a stale entry only costs one failed request.
/// </summary>
public sealed class PodWorkerRoute(KubernetesRuntimeOptions options, IKubernetes client, ImmutableDictionary<string, string> workers, TimeProvider time)
    : DelegatingHandler(new SocketsHttpHandler { UseProxy = false })
{
    private readonly ConcurrentDictionary<string, k8s.Models.V1Pod> _pods = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri!;
        if (!workers.TryGetValue($"{uri.Host}:{uri.Port}", out var worker))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (!_pods.TryGetValue(worker, out var pod))
        {
            pod = await RunningPodAsync(worker, cancellationToken).ConfigureAwait(false);
            _pods[worker] = pod;
        }

        try
        {
            return await SendToPodAsync(request, uri, worker, pod, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // The pod this worker was known by may be gone or replaced: look it up again on the next request.
            _pods.TryRemove(worker, out _);
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendToPodAsync(HttpRequestMessage request, Uri uri, string worker, k8s.Models.V1Pod pod, CancellationToken cancellationToken)
    {
        var path = uri.PathAndQuery.TrimStart('/');
        if (options.StatusVia == PodStatusRoute.PodIp)
        {
            if (!IPAddress.TryParse(pod.Status?.PodIP, out var ip))
            {
                throw new HttpRequestException($"k2pow worker {worker}'s pod {pod.Metadata.Name} has no IP yet (phase {pod.Status?.Phase ?? "unknown"})");
            }

            request.RequestUri = new UriBuilder(uri) { Host = ip.ToString() }.Uri;
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await ProxyAsync(worker, pod.Metadata.Name, uri.Port, path, cancellationToken).ConfigureAwait(false);
    }

    private async Task<k8s.Models.V1Pod> RunningPodAsync(string worker, CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(options.RequestTimeout, time, cancellationToken);
        var selector = $"{FleetLabels.Fleet}={KubernetesNames.LabelValue(options.FleetId)},{FleetLabels.Service}={KubernetesNames.LabelValue(worker)}";
        var pods = await client.CoreV1.ListNamespacedPodAsync(options.Namespace, labelSelector: selector, cancellationToken: deadline.Token).ConfigureAwait(false);
        return pods.Items.Where(p => p.Status?.Phase == "Running").OrderByDescending(p => p.Metadata.CreationTimestamp).FirstOrDefault()
            ?? throw new HttpRequestException($"k2pow worker {worker} has no running pod in namespace {options.Namespace}");
    }

    private async Task<HttpResponseMessage> ProxyAsync(string worker, string pod, int port, string path, CancellationToken cancellationToken)
    {
        var target = $"{pod}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        try
        {
            using var response = path.Length == 0
                ? await client.CoreV1.ConnectGetNamespacedPodProxyWithHttpMessagesAsync(target, options.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ConnectGetNamespacedPodProxyWithPathWithHttpMessagesAsync(target, options.Namespace, path, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Answer(response.Response.StatusCode, await PodStatusReader.BodyAsync(response.Body, cancellationToken).ConfigureAwait(false));
        }
        catch (HttpOperationException ex) when (!IsApiServerStatus(ex.Response.Content))
        {
            // The worker's own 429 or 500 (the generated client throws on any status that is not 2xx): passed on as it came.
            return Answer(ex.Response.StatusCode, ex.Response.Content ?? "");
        }
        catch (HttpOperationException ex)
        {
            // The API server's own answer (a Status object): 503 cannot reach the pod, 404 the pod is gone, 403 no right.
            throw new HttpRequestException($"HTTP {(int)ex.Response.StatusCode} from the pod proxy of {options.Namespace}/{target} (k2pow worker {worker}): {ex.Response.Content?.Trim()}");
        }
    }

    // k2pow-service answers plain text; the API server's failures are a v1 Status in JSON.
    private static bool IsApiServerStatus(string? body) =>
        body is not null && body.TrimStart().StartsWith('{') && body.Contains("\"kind\":\"Status\"", StringComparison.Ordinal);

    private static HttpResponseMessage Answer(HttpStatusCode status, string body) => new(status) { Content = new StringContent(body) };
}
