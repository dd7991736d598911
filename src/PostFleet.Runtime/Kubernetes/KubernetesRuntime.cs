using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Runtime.Docker;

namespace PostFleet.Runtime.Kubernetes;

/// <summary>
/// Runs each post-service run as one Pod (restartPolicy Never), pinned to the node that holds its disk, and
/// deletes it when done. All state lives in the pods' labels and annotations, so a new instance adopts the runs
/// of an earlier one. Needs the Role in deploy/kubernetes/rbac.yaml.
/// </summary>
public sealed class KubernetesRuntime : IServiceRuntime, IRunStatusReader
{
    private readonly KubernetesRuntimeOptions _options;
    private readonly IKubernetes _client;
    private readonly TimeProvider _time;
    private readonly Func<string> _newRunId;

    public KubernetesRuntime(KubernetesRuntimeOptions options, IKubernetes client, TimeProvider time, Func<string>? newRunId = null)
    {
        _options = options;
        _client = client;
        _time = time;
        // Short and lower-case: it ends the pod name, which must be a DNS label.
        _newRunId = newRunId ?? (() => Guid.NewGuid().ToString("N")[..10]);
        _status = new PodStatusReader(client, time);
        _podIp = new PodIpStatusReader(client, s_operators, time, options.RequestTimeout);
    }

    /// <summary>One HTTP client for the direct reads of every runtime instance (it is safe for concurrent use).</summary>
    private static readonly PostFleet.Spacemesh.Operator.OperatorStatusClient s_operators = new();

    private readonly PodStatusReader _status;
    private readonly PodIpStatusReader _podIp;

    /// <summary>Uses the in-cluster service account when running in a pod, else the kubeconfig ($KUBECONFIG or ~/.kube/config).</summary>
    public static KubernetesRuntime FromDefaultConfig(KubernetesRuntimeOptions options, TimeProvider time) =>
        new(options, new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()), time);

    public async Task<RuntimeInstance> StartAsync(ServiceLaunch launch, CancellationToken cancellationToken)
    {
        var runId = _newRunId();
        var now = _time.GetUtcNow();
        var logPath = RunLogs.PathFor(launch.LogDirectory, launch.ServiceName, now);
        var pod = PodManifest.Build(_options, launch, runId, logPath);

        using var deadline = new Deadline(_options.RequestTimeout, _time, cancellationToken);
        var created = await _client.CoreV1.CreateNamespacedPodAsync(pod, _options.Namespace, cancellationToken: deadline.Token);
        // A new pod is Pending (scheduling, image pull): it counts as running, since it may start any moment.
        var instance = ToInstance(created, out var problem) ?? throw new InvalidOperationException($"pod {created.Metadata?.Name} just created for {launch.ServiceName}: {problem}");
        return instance.StartedAt == DateTimeOffset.MinValue ? instance with { StartedAt = now } : instance;
    }

    public async Task StopAsync(RuntimeInstance instance, TimeSpan grace, CancellationToken cancellationToken)
    {
        var (ns, name) = ParseInstanceId(instance.InstanceId);
        using var deadline = new Deadline(grace + _options.RequestTimeout, _time, cancellationToken);

        // Fetched before the delete: once the kubelet removes the pod, its log is gone with it. post-service
        // writes nothing on SIGTERM (it dies at once), so nothing is lost by reading first.
        await CollectLogAsync(ns, name, instance.LogPath, deadline.Token);
        await DeleteAsync(ns, name, (int)Math.Max(0, Math.Ceiling(grace.TotalSeconds)), deadline.Token);
    }

    public async Task<IReadOnlyList<RuntimeInstance>> ListAsync(CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(_options.RequestTimeout, _time, cancellationToken);
        var pods = await _client.CoreV1.ListNamespacedPodAsync(
            _options.Namespace,
            labelSelector: $"{FleetLabels.Fleet}={KubernetesNames.LabelValue(_options.FleetId)}",
            cancellationToken: deadline.Token);
        var runs = new List<RuntimeInstance>();
        foreach (var pod in pods.Items)
        {
            if (ToInstance(pod, out var problem) is { } run)
            {
                runs.Add(run);
            }
            else
            {
                _options.Logger.LogWarning("ignoring pod {Pod} of this fleet: {Problem}; it is not adopted as any service's run", pod.Metadata?.Name, problem);
            }
        }

        return runs;
    }

    /// <remarks>A live pod's log is only on its node: ask the API server for the tail (pods/log, tailLines).</remarks>
    public async Task<IReadOnlyList<string>> ReadLogTailAsync(RuntimeInstance instance, int lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var (ns, name) = ParseInstanceId(instance.InstanceId);
        using var deadline = new Deadline(_options.RequestTimeout, _time, cancellationToken);
        try
        {
            await using var log = await _client.CoreV1.ReadNamespacedPodLogAsync(name, ns, container: PodManifest.ContainerFor(_options), tailLines: lines, cancellationToken: deadline.Token);
            using var reader = new StreamReader(log);
            var text = await reader.ReadToEndAsync(deadline.Token);
            return [.. text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Where(l => l.Length > 0).TakeLast(lines)];
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            return [];
        }
    }

    /// <summary>
    /// Through the API server's pod proxy (<see cref="PodStatusReader"/>): the pod's IP is the cluster's, not ours; or,
    /// with <see cref="KubernetesRuntimeOptions.StatusVia"/> pod-ip, at the pod's IP (<see cref="PodIpStatusReader"/>).
    /// </summary>
    public Task<ServiceStatus> ReadStatusAsync(ServiceSpec service, RuntimeInstance run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(run);
        var (ns, name) = ParseInstanceId(run.InstanceId);
        return _options.StatusVia == PodStatusRoute.PodIp
            ? _podIp.ReadAsync(ns, name, service.OperatorAddress, cancellationToken)
            : _status.ReadAsync(ns, name, service.OperatorAddress, cancellationToken);
    }

    public async Task ForgetAsync(RuntimeInstance instance, CancellationToken cancellationToken)
    {
        var (ns, name) = ParseInstanceId(instance.InstanceId);
        using var deadline = new Deadline(_options.RequestTimeout, _time, cancellationToken);
        await CollectLogAsync(ns, name, instance.LogPath, deadline.Token);
        await DeleteAsync(ns, name, gracePeriodSeconds: 0, deadline.Token);
    }

    private async Task DeleteAsync(string ns, string name, int gracePeriodSeconds, CancellationToken cancellationToken)
    {
        try
        {
            await _client.CoreV1.DeleteNamespacedPodAsync(name, ns, gracePeriodSeconds: gracePeriodSeconds, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: deletion is what was asked for.
        }
    }

    private async Task CollectLogAsync(string ns, string name, string? logPath, CancellationToken cancellationToken)
    {
        if (logPath is null)
        {
            return;
        }

        try
        {
            await using var log = await _client.CoreV1.ReadNamespacedPodLogAsync(name, ns, container: PodManifest.ContainerFor(_options), cancellationToken: cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
            await using var file = new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
            await log.CopyToAsync(file, cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            // No pod, or a container that never started (400 "waiting to start"): there is no log to keep.
        }
    }

    private RuntimeInstance? ToInstance(V1Pod pod, out string problem)
    {
        var metadata = pod.Metadata;
        var annotations = metadata.Annotations ?? new Dictionary<string, string>();
        var labels = metadata.Labels ?? new Dictionary<string, string>();
        // The annotation holds the exact name; the label a shortened form when the name is not a valid label value.
        if (FleetLabels.AdoptedService(annotations.TryGetValue(FleetLabels.Service, out var exact) ? exact : labels.TryGetValue(FleetLabels.Service, out var label) ? label : null, out problem) is not { } service)
        {
            return null;
        }

        var terminated = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == PodManifest.ContainerFor(_options))?.State?.Terminated;
        // Pending and Running may still prove; Unknown means the node is unreachable, not that the run ended.
        var running = pod.Status?.Phase is not ("Succeeded" or "Failed");
        var startedAt = pod.Status?.StartTime ?? metadata.CreationTimestamp;
        return new RuntimeInstance(
            service,
            $"{metadata.NamespaceProperty}/{metadata.Name}",
            startedAt is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : DateTimeOffset.MinValue,
            running,
            running ? null : terminated?.ExitCode,
            annotations.TryGetValue(FleetLabels.LogPath, out var logPath) ? logPath : null);
    }

    private static (string Namespace, string Name) ParseInstanceId(string instanceId)
    {
        var slash = instanceId.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < instanceId.Length - 1
            ? (instanceId[..slash], instanceId[(slash + 1)..])
            : throw new ArgumentException($"'{instanceId}' is not a Kubernetes runtime instance id (namespace/pod)", nameof(instanceId));
    }
}
