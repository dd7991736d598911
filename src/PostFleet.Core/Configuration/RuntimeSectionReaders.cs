using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace PostFleet.Core.Configuration;

/// <summary>Reads <c>fleet-id</c>, <c>process:</c>, <c>docker:</c> and <c>kubernetes:</c>; disk names are checked against the disks section.</summary>
internal static class RuntimeSectionReaders
{
    private const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>
    /// The value of the <c>io.postfleet.fleet</c> label: <c>fleet-id</c>, else a hash of the config file's path,
    /// so two configs sharing an engine never adopt each other's runs and one config always finds its own.
    /// </summary>
    public static string ReadFleetId(YamlMap root, string sourceName)
    {
        var id = root.String("fleet-id");
        if (id is not null)
        {
            if (id.Length is 0 or > 63 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || !char.IsAsciiLetterOrDigit(id[0]) || !char.IsAsciiLetterOrDigit(id[^1]))
            {
                root.Error("fleet-id", $"'{id}' is not a valid id; use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (it becomes a Kubernetes label value)");
                return "invalid";
            }

            return id;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sourceName));
        return "pf-" + Convert.ToHexStringLower(hash)[..16];
    }

    public static ProcessSettings ReadProcess(YamlMap root)
    {
        var process = root.Map("process", ConfigKeys.Process);
        return process.IsPresent && process.Integer("nice", 0, 19) is { } nice ? new ProcessSettings((int)nice) : ProcessSettings.Default;
    }

    public static DockerSettings? ReadDocker(YamlMap root, PathResolver paths, IReadOnlySet<string> disks)
    {
        var docker = root.Map("docker", ConfigKeys.Docker);
        if (!docker.IsPresent)
        {
            return null;
        }

        var endpoints = ReadEndpoints(docker, paths);
        var names = endpoints.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        if (names.Count == 0)
        {
            names.Add("local");
        }

        var diskEndpoints = StringMap(docker, "disk-endpoints");
        foreach (var (disk, endpoint) in diskEndpoints)
        {
            if (!disks.Contains(disk))
            {
                docker.Error($"disk-endpoints.{disk}", $"no disk named '{disk}' in disks; known disks: {string.Join(", ", disks.Order())}");
            }
            else if (!names.Contains(endpoint))
            {
                docker.Error($"disk-endpoints.{disk}", $"no endpoint named '{endpoint}'; known endpoints: {string.Join(", ", names.Order())}");
            }
        }

        return new DockerSettings(
            endpoints,
            Image(docker),
            docker.String("network") ?? DockerSettings.Default.Network,
            MountPath(docker),
            diskEndpoints,
            StringMap(docker, "labels"),
            docker.Duration("request-timeout", allowZero: false))
        {
            ProbeImage = Image(docker, "probe-image", "postfleet:latest (a PostFleet image, packaging/Dockerfile)"),
        };
    }

    public static KubernetesSettings? ReadKubernetes(YamlMap root, IReadOnlySet<string> disks)
    {
        var k8s = root.Map("kubernetes", ConfigKeys.Kubernetes);
        if (!k8s.IsPresent)
        {
            return null;
        }

        var ns = k8s.String("namespace") ?? KubernetesSettings.Default.Namespace;
        if (!IsDnsLabel(ns))
        {
            k8s.Error("namespace", $"'{ns}' is not a valid namespace; use lower-case letters, digits and '-' (at most 63)");
        }

        var hostNetwork = k8s.OneOf("host-network", ["true", "false"]) == "true";
        var placements = ImmutableDictionary.CreateBuilder<string, KubernetesDiskSettings>(StringComparer.Ordinal);
        var diskMap = k8s.Map("disks", [.. disks]);
        foreach (var disk in disks)
        {
            var entry = diskMap.Map(disk, ConfigKeys.KubernetesDisk);
            if (!entry.IsPresent)
            {
                continue;
            }

            var selector = StringMap(entry, "node-selector").ToBuilder();
            if (entry.String("node") is { } node)
            {
                selector[HostnameLabel] = node;
            }

            var claim = entry.String("claim");
            var mountRoot = entry.String("mount-root");
            if (claim is not null && mountRoot is null)
            {
                entry.Error("mount-root", "missing; with a claim, give the path where this config sees that volume (service dirs under it become the mount's subPath)");
            }
            else if (claim is null && mountRoot is not null)
            {
                entry.Error("mount-root", "only means something with a claim; remove it or add claim");
            }
            else if (mountRoot is not null && !mountRoot.StartsWith('/'))
            {
                entry.Error("mount-root", $"'{mountRoot}' is not an absolute path");
            }

            placements[disk] = new KubernetesDiskSettings(selector.ToImmutable(), claim, mountRoot) { NodeAddress = AddressRules.ReadNodeAddress(entry) };
        }

        return new KubernetesSettings(
            ns,
            k8s.String("service-account"),
            Image(k8s),
            MountPath(k8s),
            hostNetwork,
            StringMap(k8s, "labels"),
            placements.ToImmutable(),
            k8s.Duration("request-timeout", allowZero: false),
            TlsSecret(k8s))
        {
            NodeAddress = AddressRules.ReadNodeAddress(k8s),
            StatusVia = k8s.OneOf("status-via", ConfigKeys.PodStatusRoutes) == "pod-ip" ? PodStatusRoute.PodIp : PodStatusRoute.Proxy,
            ProbeImage = Image(k8s, "probe-image", "postfleet:latest (a PostFleet image, packaging/Dockerfile)"),
        };
    }

    private static string? TlsSecret(YamlMap k8s)
    {
        var name = k8s.String("tls-secret");
        if (name is not null && !IsDnsSubdomain(name))
        {
            k8s.Error(
                "tls-secret",
                $"'{name}' is not a valid Secret name; use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253), e.g. post-tls");
        }

        return name;
    }

    private static ImmutableArray<DockerEndpointSettings> ReadEndpoints(YamlMap docker, PathResolver paths)
    {
        var list = docker.List("endpoints");
        if (list is null)
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<DockerEndpointSettings>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var entry = YamlMap.Open(list[i], docker.KeyPath($"endpoints[{i}]"), docker.Errors, ConfigKeys.DockerEndpoint);
            var name = entry.String("name", "name the engine, e.g. local or the host's name (disk-endpoints refer to it)");
            var address = entry.String("address", "e.g. unix:///var/run/docker.sock or tcp://host-b:2376");
            if (name is not null && !seen.Add(name))
            {
                entry.Error("name", $"'{name}' is used by another endpoint; names must be unique");
            }

            Uri? uri = null;
            if (address is not null && (!Uri.TryCreate(address, UriKind.Absolute, out uri) || uri.Scheme is not ("unix" or "tcp")))
            {
                entry.Error("address", $"'{address}' is not a Docker engine address; use unix:///path/to/docker.sock or tcp://host:port");
                uri = null;
            }

            TlsSpec? tls = null;
            var tlsMap = entry.Map("tls", ConfigKeys.Tls);
            if (tlsMap.IsPresent)
            {
                var ca = tlsMap.String("ca-cert", "the CA that signed the engine's certificate (PEM)");
                var cert = tlsMap.String("cert", "our client certificate (PEM)");
                var key = tlsMap.String("key", "our client key (PEM)");
                if (uri is { Scheme: "unix" })
                {
                    entry.Error("tls", "a unix socket takes no TLS; remove tls or use tcp://host:2376");
                }

                if (ca is not null && cert is not null && key is not null)
                {
                    tls = new TlsSpec(paths.Resolve(ca), paths.Resolve(cert), paths.Resolve(key), tlsMap.String("domain"));
                }
            }

            var nodeAddress = AddressRules.ReadNodeAddress(entry);
            var statusHost = AddressRules.ReadStatusHost(entry);
            if (name is not null && uri is not null)
            {
                result.Add(new DockerEndpointSettings(name, uri, tls) { NodeAddress = nodeAddress, StatusHost = statusHost, ConfigPath = entry.Path });
            }
        }

        return result.ToImmutable();
    }

    private static string? Image(YamlMap section, string key = "image", string example = "spacemeshos/post-service:v0.8.5")
    {
        var image = section.String(key);
        if (image is not null && (image.Length == 0 || image.Any(char.IsWhiteSpace)))
        {
            section.Error(key, $"'{image}' is not an image reference, e.g. {example}");
        }

        return image;
    }

    private static string MountPath(YamlMap section)
    {
        var path = section.String("data-mount-path") ?? "/post";
        if (!path.StartsWith('/') || path == "/")
        {
            section.Error("data-mount-path", $"'{path}' must be an absolute path inside the container other than /, e.g. /post");
        }

        return path;
    }

    /// <summary>A mapping with free keys and single values (labels, disk → endpoint).</summary>
    private static ImmutableDictionary<string, string> StringMap(YamlMap section, string key)
    {
        var entries = section.FreeMap(key);
        var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in entries)
        {
            if (value is YamlDotNet.RepresentationModel.YamlScalarNode { Value: { } text })
            {
                result[name] = text.Trim();
            }
            else
            {
                section.Error($"{key}.{name}", $"expected a single value, got {YamlMap.Describe(value)}");
            }
        }

        return result.ToImmutable();
    }

    // A Secret's name is a DNS subdomain (RFC 1123): dot-separated labels, 253 characters in all.
    private static bool IsDnsSubdomain(string text) =>
        text.Length <= 253 && text.Split('.').All(label => IsDnsLabel(label));

    private static bool IsDnsLabel(string text) =>
        text.Length is > 0 and <= 63 && text.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && text[0] != '-' && text[^1] != '-';
}
