using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PostFleet.Containers.Tests.Kubernetes;

/// <summary>
/// An in-memory Kubernetes API server (plain HTTP on 127.0.0.1) for the pod calls the runtime makes. It answers
/// like the real one: the server fills uid, resourceVersion, creationTimestamp and status; a name clash is 409;
/// a missing pod is a 404 Status; a graceful delete of a running pod only marks it (deletionTimestamp) until
/// the "kubelet" (the test) finishes the termination. The test drives status changes as the kubelet would.
/// The pod proxy (<c>pods/{name}:{port}/proxy/{path}</c>) forwards to the pod's IP as the real one does; the pod
/// network is stood in for by 127.0.0.1 (each pod IP's ports are this machine's loopback ports).
/// </summary>
internal sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string Ns, string Name), V1Pod> _pods = new();
    private readonly ConcurrentDictionary<(string Ns, string Name), string> _logs = new();
    private readonly HttpClient _podNetwork = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private int _podIps;
    private readonly DateTime _now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private long _resourceVersion = 1000;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeKubernetesApi(WebApplication app) => _app = app;

    public string Url => _app.Urls.Single();

    /// <summary>The bodies of every create, as the client sent them (what the snapshots compare).</summary>
    public ConcurrentQueue<string> CreatedBodies { get; } = new();

    public ConcurrentQueue<(string Name, int? GracePeriodSeconds)> Deletes { get; } = new();

    private int _lists;

    /// <summary>Pod list (and watch) requests so far: what a client costs the API server.</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>Every pod proxy request: namespace, the proxy target as given (<c>name:port</c>) and the path.</summary>
    public ConcurrentQueue<(string Ns, string Target, string Path)> Proxied { get; } = new();

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("POSTFLEET_FAKE_API_LOG") is not null)
        {
            builder.Logging.AddConsole(); // the fake's own errors (500s) when a test misbehaves
        }

        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var api = new FakeKubernetesApi(app);
        app.MapPost("/api/v1/namespaces/{ns}/pods", api.CreateAsync);
        app.MapGet("/api/v1/namespaces/{ns}/pods", api.ListAsync);
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}", (string ns, string name) => api.Get(ns, name));
        app.MapDelete("/api/v1/namespaces/{ns}/pods/{name}", api.Delete);
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", api.Log);
        app.MapGet("/api/v1/namespaces/{ns}/pods/{target}/proxy/{**path}", api.ProxyAsync);
        await app.StartAsync();
        return api;
    }

    public IKubernetes NewClient() => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Url });

    public IReadOnlyCollection<V1Pod> Pods => [.. _pods.Values];

    /// <summary>
    /// Called with every pod once it is created, as a kubelet would pick it up (e.g. <see cref="FakeKubelet"/>, which
    /// runs the pod's command); null: the test drives the phases itself.
    /// </summary>
    public Func<V1Pod, Task>? Kubelet { get; set; }

    /// <summary>
    /// The kubelet started the container; the pod gets an IP of the pod network (10.244.0.0/16), or <paramref name="ip"/>
    /// (a 127.x address where the daemon is to reach the pod's IP itself: this machine stands in for the pod network).
    /// </summary>
    public void SetRunning(string ns, string name, string? ip = null) => Update(ns, name, pod =>
    {
        pod.Status.Phase = "Running";
        ip ??= $"10.244.0.{(Interlocked.Increment(ref _podIps) % 250) + 2}";
        pod.Status.PodIP = ip;
        pod.Status.PodIPs = [new V1PodIP { Ip = ip }];
        pod.Status.StartTime = _now.AddSeconds(5);
        pod.Status.ContainerStatuses = [new V1ContainerStatus { Name = "post-service", Ready = true, Image = pod.Spec.Containers[0].Image, ImageID = "", RestartCount = 0, State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = _now.AddSeconds(5) } } }];
    });

    /// <summary>The container exited by itself (restartPolicy Never: the pod stays, Succeeded or Failed).</summary>
    public void SetExited(string ns, string name, int exitCode) => Update(ns, name, pod =>
    {
        pod.Status.Phase = exitCode == 0 ? "Succeeded" : "Failed";
        pod.Status.ContainerStatuses = [new V1ContainerStatus { Name = pod.Spec.Containers[0].Name, Ready = false, Image = pod.Spec.Containers[0].Image, ImageID = "", RestartCount = 0, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = exitCode == 0 ? "Completed" : "Error" } } }];
    });

    public void SetLog(string ns, string name, string text) => _logs[(ns, name)] = text;

    /// <summary>The container wrote more output (as the kubelet's log file grows).</summary>
    public void AppendLog(string ns, string name, string text) => _logs.AddOrUpdate((ns, name), text, (_, old) => old + text);

    /// <summary>The kubelet finished a graceful deletion: the pod object goes away.</summary>
    public void FinishTermination(string ns, string name) => Remove(ns, name);

    public bool Exists(string ns, string name) => _pods.ContainsKey((ns, name));

    /// <summary>Completes once the pod object is gone (deleted, or its termination finished).</summary>
    public async Task WaitGoneAsync(string ns, string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = _changed.Task;
            if (!Exists(ns, name))
            {
                return;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _podNetwork.Dispose();
    }

    private async Task<IResult> CreateAsync(string ns, HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var pod = KubernetesJson.Deserialize<V1Pod>(body);
        if (pod.Metadata?.Name is not { Length: > 0 } name || pod.Spec?.Containers is not { Count: > 0 })
        {
            return Status(HttpStatusCode.UnprocessableEntity, "Invalid", "metadata.name and spec.containers are required");
        }

        if (pod.Metadata.NamespaceProperty is { } given && given != ns)
        {
            return Status(HttpStatusCode.BadRequest, "BadRequest", "the namespace of the object does not match the namespace on the request");
        }

        CreatedBodies.Enqueue(body);
        pod.Metadata.NamespaceProperty = ns;
        pod.Metadata.Uid = Guid.NewGuid().ToString();
        pod.Metadata.CreationTimestamp = _now;
        pod.Metadata.ResourceVersion = NextVersion();
        pod.Status = new V1PodStatus { Phase = "Pending", QosClass = "BestEffort" };
        if (!_pods.TryAdd((ns, name), pod))
        {
            return Status(HttpStatusCode.Conflict, "AlreadyExists", $"pods \"{name}\" already exists");
        }

        Changed();
        if (Kubelet is { } kubelet)
        {
            _ = Task.Run(() => kubelet(pod));
        }

        return Json(pod, HttpStatusCode.Created);
    }

    private async Task<IResult> ListAsync(string ns, string? labelSelector, string? fieldSelector, bool? watch, HttpContext context)
    {
        Interlocked.Increment(ref _lists);
        if (watch == true)
        {
            await WatchAsync(ns, fieldSelector, context);
            return Results.Empty;
        }

        return List(ns, labelSelector);
    }

    /// <summary>
    /// A watch (<c>?watch=true</c>) as the real API server streams it: one JSON event per line, <c>ADDED</c> for what
    /// exists when it starts, <c>MODIFIED</c> on every change and <c>DELETED</c> when the pod is gone. Only the
    /// <c>metadata.name=NAME</c> field selector is understood (what a client watching one pod sends).
    /// </summary>
    private async Task WatchAsync(string ns, string? fieldSelector, HttpContext context)
    {
        var name = fieldSelector is { } selector && selector.StartsWith("metadata.name=", StringComparison.Ordinal) ? selector["metadata.name=".Length..] : null;
        context.Response.ContentType = "application/json";
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var aborted = context.RequestAborted;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                var changed = _changed.Task;
                var current = _pods.Where(p => p.Key.Ns == ns && (name is null || p.Key.Name == name)).ToDictionary(p => p.Key.Name, p => p.Value, StringComparer.Ordinal);
                foreach (var (podName, pod) in current)
                {
                    if (!sent.TryGetValue(podName, out var version) || version != pod.Metadata.ResourceVersion)
                    {
                        await WriteEventAsync(context, sent.ContainsKey(podName) ? "MODIFIED" : "ADDED", pod, aborted);
                        sent[podName] = pod.Metadata.ResourceVersion;
                    }
                }

                foreach (var gone in sent.Keys.Where(k => !current.ContainsKey(k)).ToList())
                {
                    await WriteEventAsync(context, "DELETED", new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = new V1ObjectMeta { Name = gone, NamespaceProperty = ns } }, aborted);
                    sent.Remove(gone);
                }

                await changed.WaitAsync(aborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client closed the watch.
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string type, V1Pod pod, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync($"{{\"type\":\"{type}\",\"object\":{KubernetesJson.Serialize(pod)}}}\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private IResult List(string ns, string? labelSelector)
    {
        var wanted = new List<(string Key, string Value)>();
        foreach (var term in (labelSelector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = term.Split('=', 2);
            if (parts.Length != 2 || parts[0].EndsWith('!'))
            {
                return Status(HttpStatusCode.BadRequest, "BadRequest", "this fake understands only key=value selectors: " + term);
            }

            wanted.Add((parts[0], parts[1]));
        }

        var items = _pods.Where(p => p.Key.Ns == ns)
            .Select(p => p.Value)
            .Where(pod => wanted.All(w => pod.Metadata.Labels?.TryGetValue(w.Key, out var v) == true && v == w.Value))
            .OrderBy(pod => pod.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        return Json(new V1PodList { ApiVersion = "v1", Kind = "PodList", Metadata = new V1ListMeta { ResourceVersion = NextVersion() }, Items = items });
    }

    private IResult Get(string ns, string name) =>
        _pods.TryGetValue((ns, name), out var pod) ? Json(pod) : NotFound(name);

    private IResult Delete(string ns, string name, int? gracePeriodSeconds)
    {
        if (!_pods.TryGetValue((ns, name), out var pod))
        {
            return NotFound(name);
        }

        Deletes.Enqueue((name, gracePeriodSeconds));
        var grace = gracePeriodSeconds ?? (int)(pod.Spec.TerminationGracePeriodSeconds ?? 30);
        if (grace > 0 && pod.Status.Phase == "Running")
        {
            // Graceful: the kubelet sends SIGTERM and removes the object when the container is gone.
            Update(ns, name, p =>
            {
                p.Metadata.DeletionTimestamp = _now.AddSeconds(grace);
                p.Metadata.DeletionGracePeriodSeconds = grace;
            });
            return Json(_pods[(ns, name)]);
        }

        Remove(ns, name);
        return Json(pod);
    }

    private IResult Log(string ns, string name, string? container, int? tailLines)
    {
        if (!_pods.TryGetValue((ns, name), out var pod))
        {
            return NotFound(name);
        }

        if (container is not null && pod.Spec.Containers.All(c => c.Name != container))
        {
            return Status(HttpStatusCode.BadRequest, "BadRequest", $"container {container} is not valid for pod {name}");
        }

        return pod.Status.Phase == "Pending"
            ? Status(HttpStatusCode.BadRequest, "BadRequest", $"container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating")
            : Results.Text(Tail(_logs.GetValueOrDefault((ns, name), ""), tailLines), "text/plain");
    }

    /// <summary>
    /// The API server's pod proxy (ResourceLocation in pkg/registry/core/pod/strategy.go): the target is
    /// <c>name</c>, <c>name:port</c> or <c>scheme:name:port</c>; a missing pod is 404; a pod without a global unicast
    /// IP is 400 "address not allowed"; a backend that cannot be reached is 503 "error trying to reach service";
    /// otherwise the pod's answer is passed on, status code and body.
    /// </summary>
    private async Task<IResult> ProxyAsync(string ns, string target, string? path, HttpRequest request)
    {
        Proxied.Enqueue((ns, target, path ?? ""));
        var parts = target.Split(':');
        var (scheme, name, port) = parts.Length switch
        {
            1 => ("http", parts[0], ""),
            2 => ("http", parts[0], parts[1]),
            3 => (parts[0], parts[1], parts[2]),
            _ => ("", "", ""),
        };
        if (name.Length == 0 || scheme is not ("http" or "https") || (port.Length > 0 && !int.TryParse(port, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            return Status(HttpStatusCode.BadRequest, "BadRequest", $"invalid pod request \"{target}\"");
        }

        if (!_pods.TryGetValue((ns, name), out var pod))
        {
            return NotFound(name);
        }

        if (!IPAddress.TryParse(pod.Status?.PodIP, out var podIp) || IPAddress.IsLoopback(podIp) || podIp.Equals(IPAddress.Any))
        {
            return Status(HttpStatusCode.BadRequest, "BadRequest", "address not allowed");
        }

        // The pod network: every pod IP's ports are reached on this machine's loopback.
        var backend = $"{scheme}://127.0.0.1:{(port.Length > 0 ? port : "80")}/{path}{request.QueryString}";
        try
        {
            using var response = await _podNetwork.GetAsync(backend);
            var body = await response.Content.ReadAsStringAsync();
            return Results.Text(body, response.Content.Headers.ContentType?.ToString() ?? "text/plain", statusCode: (int)response.StatusCode);
        }
        catch (HttpRequestException ex)
        {
            return Status(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", $"error trying to reach service: dial tcp {podIp}:{port}: {ex.Message}");
        }
    }

    /// <summary>The kubelet's tailLines: the last N lines, each still ending in its newline.</summary>
    private static string Tail(string log, int? lines)
    {
        if (lines is not { } n)
        {
            return log;
        }

        var all = log.Split('\n');
        var complete = log.EndsWith('\n') ? all[..^1] : all;
        return string.Concat(complete.TakeLast(n).Select(l => l + "\n"));
    }

    private void Update(string ns, string name, Action<V1Pod> change)
    {
        if (!_pods.TryGetValue((ns, name), out var pod))
        {
            return; // deleted meanwhile: a kubelet's late report has nothing to change
        }

        change(pod);
        pod.Metadata.ResourceVersion = NextVersion();
        Changed();
    }

    private void Remove(string ns, string name)
    {
        _pods.TryRemove((ns, name), out _);
        Changed();
    }

    /// <summary>Wakes every watch: something changed, each sends what differs from what it sent.</summary>
    private void Changed() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private string NextVersion() => Interlocked.Increment(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static IResult NotFound(string name) => Status(HttpStatusCode.NotFound, "NotFound", $"pods \"{name}\" not found");

    // Written by hand: the client library's V1Status converter reads but cannot write.
    private static IResult Status(HttpStatusCode code, string reason, string message) =>
        Results.Text(
            new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Status", ["status"] = "Failure", ["reason"] = reason, ["message"] = message, ["code"] = (int)code }.ToJsonString(),
            "application/json",
            statusCode: (int)code);

    private static IResult Json(object value, HttpStatusCode code = HttpStatusCode.OK) =>
        Results.Text(KubernetesJson.Serialize(value), "application/json", statusCode: (int)code);

    /// <summary>Parses a stored body for assertions that need a field the typed model would hide.</summary>
    public static JsonNode Parse(string body) => JsonNode.Parse(body)!;
}
