using System.Collections.Immutable;
using System.Net;
using YamlDotNet.RepresentationModel;

namespace PostFleet.Core.Configuration;

/// <summary>
/// Reads <c>k2pow:</c> (the remote k2pow pool, docs/k2pow-pool.md). Every problem names its key path; a section
/// with no worker at all, a disk or service that does not exist, two workers on one address or a router reachable
/// beyond loopback without <c>allow-from</c> are errors.
/// </summary>
internal static class K2PowSectionReader
{
    public static readonly string[] Keys = ["listen", "url", "parallelism", "backoff", "max-pow", "poll", "disks", "workers", "managed", "direct", "allow-from"];
    private static readonly string[] WorkerKeys = ["url", "cores", "hash-rate"];
    private static readonly string[] ManagedKeys = ["binary", "image", "count", "cores", "randomx-mode", "listen"];
    private static readonly string[] DirectKeys = ["service", "url"];

    public static K2PowPoolSpec? Read(YamlMap root, PathResolver paths, IReadOnlySet<string> disks, IReadOnlySet<string> services)
    {
        var map = root.Map("k2pow", Keys);
        if (!map.IsPresent)
        {
            return null;
        }

        var listen = Address(map, "listen", ConfigDefaults.K2PowListen);
        var workers = ReadWorkers(map);
        var managed = ReadManaged(map, paths);
        var direct = ReadDirect(map, services);
        var count = workers.Length + (managed?.Count ?? 0);
        if (map.Node("workers") is null && map.Node("managed") is null && map.Node("direct") is null)
        {
            map.Errors.Add(map.Path, "has no worker; list workers (url of a running k2pow-service) or add managed (count of k2pow-service processes PostFleet starts)");
        }

        CheckAddresses(map, listen, workers, managed);
        var url = map.String("url") is { } text ? Url(map, "url", text) : listen is null ? null : DefaultUrl(listen);
        var allowFrom = ReadAllowFrom(map);
        if (listen is not null && !IPAddress.IsLoopback(listen.Address) && allowFrom.IsEmpty)
        {
            map.Error("listen", $"{listen} is reachable beyond this machine; list the post-services' networks in k2pow.allow-from (e.g. 10.0.0.0/24), or listen on 127.0.0.1");
        }

        var backoff = map.Duration("backoff", allowZero: false, examples: "5s or 1s");
        if (backoff is { } b && (b.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            map.Error("backoff", $"post-service takes --remote-k2pow-backoff in whole seconds; write e.g. {Math.Max(1, (int)Math.Round(b.TotalSeconds))}s");
        }

        return new K2PowPoolSpec(
            listen ?? new IPEndPoint(IPAddress.Loopback, 0),
            url ?? new Uri("http://127.0.0.1"),
            (int?)map.Integer("parallelism", 1, 256) ?? Math.Max(1, count),
            backoff ?? ConfigDefaults.K2PowBackoff,
            (int?)map.Integer("max-pow", 1, 1000) ?? Math.Max(1, count),
            map.Duration("poll", allowZero: false) ?? ConfigDefaults.K2PowPoll,
            ReadDisks(map, disks),
            workers,
            managed,
            direct,
            allowFrom);
    }

    private static Uri DefaultUrl(IPEndPoint listen)
    {
        var host = listen.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : listen.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : listen.Address;
        return new Uri($"http://{new IPEndPoint(host, listen.Port)}");
    }

    private static IPEndPoint? Address(YamlMap map, string key, string fallback)
    {
        var text = map.String(key) ?? fallback;
        if (Endpoints.TryParseOperator(text, out var endpoint, out var problem))
        {
            return endpoint;
        }

        map.Error(key, problem.Replace("post-service refuses host names", "the listener binds an IP", StringComparison.Ordinal));
        return null;
    }

    private static Uri? Url(YamlMap map, string key, string text)
    {
        if (Endpoints.TryParseListener(text, out var url, out var problem))
        {
            return url;
        }

        map.Error(key, problem.Replace("a gRPC listener is only", "a k2pow-service URL is only", StringComparison.Ordinal).Replace("the node's port", "the worker's port", StringComparison.Ordinal));
        return null;
    }

    private static ImmutableArray<K2PowWorkerSpec> ReadWorkers(YamlMap map)
    {
        var workers = ImmutableArray.CreateBuilder<K2PowWorkerSpec>();
        var items = map.List("workers") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{map.KeyPath("workers")}[{i}]";
            var entry = items[i] is YamlScalarNode { Value: { } bare }
                ? null
                : YamlMap.Open(items[i], path, map.Errors, WorkerKeys);
            var text = entry is null ? ((YamlScalarNode)items[i]).Value! : entry.String("url", "give the worker's URL, e.g. http://10.0.0.7:3000");
            if (text is null)
            {
                continue;
            }

            var url = entry is null ? UrlAt(map.Errors, path, text) : Url(entry, "url", text);
            var cores = (int?)entry?.Integer("cores", 0, 255);
            double? rate = null;
            if (entry?.String("hash-rate") is { } rateText)
            {
                if (double.TryParse(rateText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r) && r > 0 && double.IsFinite(r))
                {
                    rate = r;
                }
                else
                {
                    entry.Error("hash-rate", $"'{rateText}' is not a hash rate; give the worker's measured RandomX hashes per second, e.g. 5000");
                }
            }

            if (url is not null)
            {
                workers.Add(new K2PowWorkerSpec($"worker-{i + 1}", url, cores, rate, Managed: false));
            }
        }

        return workers.ToImmutable();
    }

    private static Uri? UrlAt(ErrorSink errors, string path, string text)
    {
        if (Endpoints.TryParseListener(text, out var url, out var problem))
        {
            return url;
        }

        errors.Add(path, problem.Replace("a gRPC listener is only", "a k2pow-service URL is only", StringComparison.Ordinal).Replace("the node's port, e.g. ", "the worker's port, e.g. ", StringComparison.Ordinal).Replace(":9094", ":3000", StringComparison.Ordinal));
        return null;
    }

    /// <summary>
    /// Managed workers run on the fleet's runtime: Docker needs their image; Kubernetes is not supported yet (a
    /// worker needs a Deployment-like pod spec of its own), so there the workers are listed under workers instead.
    /// </summary>
    internal static void CheckManagedRuntime(K2PowPoolSpec? pool, RuntimeKind runtime, ErrorSink errors)
    {
        if (pool?.Managed is not { } managed)
        {
            return;
        }

        if (runtime is RuntimeKind.Docker or RuntimeKind.Kubernetes && managed.Image is null)
        {
            var kind = runtime == RuntimeKind.Docker ? "docker" : "kubernetes";
            var args = runtime == RuntimeKind.Docker ? "CMD" : "container's args";
            errors.Add("k2pow.managed.image", $"is required with runtime: {kind}; give a k2pow-service image whose ENTRYPOINT is the k2pow-service binary (its flags become the {args})");
        }

        var bind = managed.Listen;
        if (runtime == RuntimeKind.Kubernetes && !(bind.Address.Equals(IPAddress.Any) || bind.Address.Equals(IPAddress.IPv6Any)))
        {
            errors.Add("k2pow.managed.listen", $"each worker pod binds -b {bind.Address}:PORT, but the router reaches it through the API server's pod proxy (or, with kubernetes.status-via: pod-ip, at the pod's IP), which connects to the pod's IP; bind 0.0.0.0:{bind.Port}");
        }
    }

    private static ManagedWorkersSpec? ReadManaged(YamlMap map, PathResolver paths)
    {
        var managed = map.Map("managed", ManagedKeys);
        if (!managed.IsPresent)
        {
            return null;
        }

        var binary = managed.String("binary") ?? ConfigDefaults.K2PowBinary;
        if (binary.Length == 0)
        {
            managed.Error("binary", "is empty; give the k2pow-service program (a path, or a name on PATH)");
        }

        var count = (int?)managed.Integer("count", 1, 64, "say how many k2pow-service processes to run, e.g. count: 2");
        var cores = (int?)managed.Integer("cores", 0, 255) ?? 0;
        var mode = managed.OneOf("randomx-mode", ConfigKeys.RandomXModes) ?? "fast";
        var listen = Address(managed, "listen", ConfigDefaults.K2PowManagedListen);
        if (count is null || listen is null)
        {
            return null;
        }

        if (listen.Port + count.Value - 1 > 65535)
        {
            managed.Error("listen", $"port {listen.Port} leaves no room for {count} workers on the ports after it; use a lower port");
            return null;
        }

        var image = managed.String("image");
        if (image is { Length: 0 })
        {
            managed.Error("image", "is empty; give the k2pow-service image (its ENTRYPOINT the k2pow-service binary), or remove image on the process runtime");
        }

        var program = binary.Contains('/', StringComparison.Ordinal) ? paths.Resolve(binary) : binary;
        return new ManagedWorkersSpec(program, count.Value, cores, mode, listen) { Image = image is { Length: > 0 } ? image : null };
    }

    private static ImmutableDictionary<string, Uri> ReadDirect(YamlMap map, IReadOnlySet<string> services)
    {
        var direct = ImmutableDictionary.CreateBuilder<string, Uri>(StringComparer.Ordinal);
        var items = map.List("direct") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var entry = YamlMap.Open(items[i], $"{map.KeyPath("direct")}[{i}]", map.Errors, DirectKeys);
            var service = entry.String("service", "name the service that uses this worker alone");
            var url = entry.String("url", "give the worker's URL, e.g. http://10.0.0.7:3000") is { } text ? Url(entry, "url", text) : null;
            if (service is null || url is null)
            {
                continue;
            }

            if (!services.Contains(service))
            {
                entry.Error("service", $"'{service}' is not a service of any disk; use one of the names under disks[].services");
            }
            else if (!direct.TryAdd(service, url))
            {
                entry.Error("service", $"'{service}' is given a worker twice; keep one");
            }
        }

        return direct.ToImmutable();
    }

    private static ImmutableArray<string> ReadDisks(YamlMap map, IReadOnlySet<string> disks)
    {
        var names = ImmutableArray.CreateBuilder<string>();
        var items = map.List("disks") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{map.KeyPath("disks")}[{i}]";
            if (items[i] is not YamlScalarNode { Value: { Length: > 0 } name })
            {
                map.Errors.Add(path, $"expected a disk name, got {YamlMap.Describe(items[i])}");
            }
            else if (!disks.Contains(name))
            {
                map.Errors.Add(path, $"'{name}' is not a disk; use one of: {string.Join(", ", disks.Order(StringComparer.Ordinal))}");
            }
            else if (names.Contains(name))
            {
                map.Errors.Add(path, $"'{name}' is listed twice; remove one");
            }
            else
            {
                names.Add(name);
            }
        }

        return names.ToImmutable();
    }

    private static ImmutableArray<IPNetwork> ReadAllowFrom(YamlMap map)
    {
        var networks = ImmutableArray.CreateBuilder<IPNetwork>();
        var items = map.List("allow-from") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var text = items[i] is YamlScalarNode { Value: { } v } ? v.Trim() : null;
            if (text is not null && IPNetwork.TryParse(text.Contains('/', StringComparison.Ordinal) ? text : text + (text.Contains(':', StringComparison.Ordinal) ? "/128" : "/32"), out var network))
            {
                networks.Add(network);
            }
            else
            {
                map.Errors.Add($"{map.KeyPath("allow-from")}[{i}]", $"expected a network like 10.0.0.0/24 or an address like 10.0.0.5, got {YamlMap.Describe(items[i])}");
            }
        }

        return networks.ToImmutable();
    }

    /// <summary>Two workers on one address would be one worker counted twice; the router's own address is not a worker.</summary>
    private static void CheckAddresses(YamlMap map, IPEndPoint? listen, ImmutableArray<K2PowWorkerSpec> workers, ManagedWorkersSpec? managed)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (listen is not null)
        {
            seen[$"{listen.Address}:{listen.Port}"] = map.KeyPath("listen");
        }

        var all = workers.Select((w, i) => (w.Url.Authority, Path: $"{map.KeyPath("workers")}[{i}].url")).ToList();
        if (managed is not null)
        {
            all.AddRange(Enumerable.Range(0, managed.Count).Select(i => (managed.AddressOf(i), Path: $"{map.KeyPath("managed")}.listen (worker {i + 1})")));
        }

        foreach (var (authority, path) in all)
        {
            if (!seen.TryAdd(authority, path))
            {
                map.Errors.Add(path, $"{authority} is already used by {seen[authority]}; give each worker and the router its own address");
            }
        }
    }
}
