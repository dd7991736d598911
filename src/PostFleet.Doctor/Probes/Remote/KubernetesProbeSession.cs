using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PostFleet.Core.Configuration;
using PostFleet.Runtime.Kubernetes;

namespace PostFleet.Doctor.Probes.Remote;

/// <summary>
/// The probe as a pod placed like the site's post-service pods (namespace, node selector of the disk, host network,
/// service account), so it dials and binds where they will; its operator addresses are read the way the daemon
/// reads a pod's /status (the pod proxy, or the pod's IP). Its phase is watched until it Succeeded or Failed, its
/// log read, and the pod deleted; <c>activeDeadlineSeconds</c> ends it in the cluster if doctor dies first.
/// </summary>
public sealed class KubernetesProbeSession(ProbeSite site, IKubernetes client, KubernetesSettings settings, string fleetId, HttpClient http, TimeSpan timeout, TimeProvider time)
    : ProbeSession(site, timeout, time)
{
    public const string ContainerName = "probe";
    private const string ExpiresAnnotation = "io.postfleet.probe-expires";

    private readonly CancellationTokenSource _watching = new();
    private volatile V1Pod? _seen;
    private volatile bool _watchFailed;

    private string Name => $"pf-probe-{Token}";

    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RemoveExpiredAsync(cancellationToken);
        var placement = Site.Disk is { } disk && settings.Disks.TryGetValue(disk, out var found) ? found : null;
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = Name,
                NamespaceProperty = settings.Namespace,
                Labels = new Dictionary<string, string>
                {
                    ["app.kubernetes.io/name"] = "postfleet-probe",
                    ["app.kubernetes.io/managed-by"] = "postfleet",
                    [ProbeLabel] = KubernetesNames.LabelValue(fleetId),
                },
                Annotations = new Dictionary<string, string> { [ExpiresAnnotation] = Time.GetUtcNow().Add(Timeout).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
            },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                ActiveDeadlineSeconds = (long)Math.Ceiling(Timeout.TotalSeconds),
                TerminationGracePeriodSeconds = 0,
                ServiceAccountName = settings.ServiceAccount,
                AutomountServiceAccountToken = false,
                HostNetwork = settings.HostNetwork ? true : null,
                DnsPolicy = settings.HostNetwork ? "ClusterFirstWithHostNet" : null,
                NodeSelector = placement is { NodeSelector.Count: > 0 } ? new Dictionary<string, string>(placement.NodeSelector) : null,
                Containers = [new V1Container { Name = ContainerName, Image = settings.ProbeImage, Args = [.. Arguments], SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false } }],
            },
        };
        try
        {
            await client.CoreV1.CreateNamespacedPodAsync(pod, settings.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex)
        {
            throw new InvalidOperationException($"the API server refused the probe pod: HTTP {(int)ex.Response.StatusCode} {ex.Response.Content?.Trim()}");
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException($"the API server cannot be reached: {ex.Message}");
        }

        _ = WatchAsync();
    }

    protected override async Task<string> LogAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var log = await client.CoreV1.ReadNamespacedPodLogAsync(Name, settings.Namespace, container: ContainerName, cancellationToken: cancellationToken);
            using var reader = new StreamReader(log);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.BadRequest)
        {
            return ""; // still waiting to start
        }
    }

    protected override async Task<bool> EndedAsync(CancellationToken cancellationToken)
    {
        var pod = _watchFailed ? await client.CoreV1.ReadNamespacedPodAsync(Name, settings.Namespace, cancellationToken: cancellationToken) : _seen;
        return pod?.Status?.Phase is "Succeeded" or "Failed";
    }

    protected override async Task<string> ReadStatusAsync(ProbeBind bind, CancellationToken cancellationToken)
    {
        if (!Endpoints.TryParseOperator(bind.Bind, out var endpoint, out var problem))
        {
            throw new InvalidOperationException(problem);
        }

        var port = endpoint.Port.ToString(CultureInfo.InvariantCulture);
        if (settings.StatusVia == PodStatusRoute.PodIp)
        {
            var pod = await client.CoreV1.ReadNamespacedPodAsync(Name, settings.Namespace, cancellationToken: cancellationToken);
            var ip = IPAddress.TryParse(pod.Status?.PodIP, out var address) ? address : throw new InvalidOperationException($"the probe pod has no IP yet (phase {pod.Status?.Phase})");
            var host = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
            return await http.GetStringAsync(new Uri($"http://{host}:{port}/status"), cancellationToken);
        }

        try
        {
            using var response = await client.CoreV1.ConnectGetNamespacedPodProxyWithPathWithHttpMessagesAsync($"{Name}:{port}", settings.Namespace, "status", cancellationToken: cancellationToken);
            using var reader = new StreamReader(response.Body);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (HttpOperationException ex)
        {
            throw new InvalidOperationException($"HTTP {(int)ex.Response.StatusCode} from the API server's pod proxy: {ex.Response.Content?.Trim()}" +
                (ex.Response.StatusCode == HttpStatusCode.Forbidden ? " (the daemon's account needs get on pods/proxy, deploy/kubernetes/rbac.yaml)" : ""));
        }
    }

    protected override async Task RemoveAsync(CancellationToken cancellationToken)
    {
        await _watching.CancelAsync();
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(Name, settings.Namespace, gracePeriodSeconds: 0, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Never created, or already gone.
        }
    }

    private async Task WatchAsync()
    {
        try
        {
            var events = client.CoreV1.WatchListNamespacedPodAsync(settings.Namespace, fieldSelector: $"metadata.name={Name}", onError: _ => _watchFailed = true, cancellationToken: _watching.Token);
            await foreach (var (_, pod) in events)
            {
                _seen = pod;
            }
        }
        catch (Exception)
        {
            // A watch the API server drops (or refuses) is replaced by reading the pod each time.
        }

        _watchFailed = !_watching.IsCancellationRequested;
    }

    private async Task RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var probes = await client.CoreV1.ListNamespacedPodAsync(settings.Namespace, labelSelector: $"{ProbeLabel}={KubernetesNames.LabelValue(fleetId)}", cancellationToken: cancellationToken);
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var probe in probes.Items.Where(p => p.Metadata.Annotations?.TryGetValue(ExpiresAnnotation, out var until) == true && long.TryParse(until, CultureInfo.InvariantCulture, out var at) && at < now))
        {
            await client.CoreV1.DeleteNamespacedPodAsync(probe.Metadata.Name, settings.Namespace, gracePeriodSeconds: 0, cancellationToken: cancellationToken);
        }
    }
}
