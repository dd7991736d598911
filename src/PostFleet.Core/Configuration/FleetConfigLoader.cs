using System.Collections.Immutable;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PostFleet.Core.Configuration;

/// <summary>
/// postfleet.yaml → validated <see cref="FleetSpec"/>. The YAML is walked node by node (not deserialised into
/// DTOs) so that one load reports every problem, each with its key path, instead of stopping at the first.
/// </summary>
public static class FleetConfigLoader
{
    /// <summary>Reads and validates a config file; paths in it are resolved against the file's folder.</summary>
    public static ConfigLoadResult LoadFile(string path)
    {
        string yaml;
        try
        {
            yaml = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return ConfigLoadResult.Failed(new ConfigError("", $"cannot read the config file: {e.Message}"));
        }

        var fullPath = Path.GetFullPath(path);
        return Parse(yaml, Path.GetDirectoryName(fullPath)!, fullPath);
    }

    /// <summary>
    /// YAML allows only printable characters besides tab and line breaks; the parser fails on others in ways that say
    /// nothing useful (or, for some, throws), so they are refused here with their place.
    /// </summary>
    private static ConfigError? ForbiddenCharacter(string yaml)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < yaml.Length; i++)
        {
            var c = yaml[i];
            var loneSurrogate = char.IsHighSurrogate(c) ? i + 1 >= yaml.Length || !char.IsLowSurrogate(yaml[i + 1]) : char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(yaml[i - 1]));
            if ((char.IsControl(c) && c is not ('\t' or '\n' or '\r') && c < 0x80) || c is '\uFFFE' or '\uFFFF' || loneSurrogate)
            {
                return new ConfigError("", $"line {line}, column {column}: character U+{(int)c:X4} is not allowed in YAML; is the file damaged or binary? Remove it");
            }

            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return null;
    }

    /// <summary>Validates config text; <paramref name="configDirectory"/> is what relative paths are relative to.</summary>
    public static ConfigLoadResult Parse(string yaml, string configDirectory, string sourceName)
    {
        if (ForbiddenCharacter(yaml) is { } forbidden)
        {
            return ConfigLoadResult.Failed(forbidden);
        }

        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count > 1)
            {
                return ConfigLoadResult.Failed(new ConfigError("", $"the file holds {stream.Documents.Count} YAML documents (---); keep the whole config in one"));
            }

            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            var reason = (e.InnerException?.Message ?? e.Message).Trim();
            return ConfigLoadResult.Failed(new ConfigError("", $"YAML syntax error at line {e.Start.Line}, column {e.Start.Column}: {reason}"));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // The parser's own faults on damaged text (found by ConfigFuzzTests): still the user's file to fix.
            return ConfigLoadResult.Failed(new ConfigError("", $"YAML syntax error: the parser could not read the file ({e.Message}); check it for damage (a cut-off or binary part)"));
        }

        if (root is null || root is YamlScalarNode { Value: null or "" })
        {
            return ConfigLoadResult.Failed(new ConfigError("", "the file is empty; start from examples/demo/postfleet.yaml"));
        }

        var errors = new ErrorSink();
        var map = YamlMap.Open(root, "", errors, ConfigKeys.Root);
        var paths = new PathResolver(Path.GetFullPath(configDirectory));

        var nodes = NodesSectionReader.Read(map, paths);
        var node = nodes[0];
        var post = SectionReaders.ReadPost(map, paths);
        var runtime = SectionReaders.ReadRuntime(map);
        var schedule = SectionReaders.ReadSchedule(map);
        var stateDir = paths.Resolve(map.String("state-dir") ?? ConfigDefaults.StateDirectory);
        var disks = DiskReader.Read(map, paths, post, errors);
        TopologyRules.Check(disks, errors);
        NodesSectionReader.Check(nodes, disks, errors);
        NodeSpec DiskNode(DiskEntry d) => nodes.FirstOrDefault(n => n.Name == d.Node) ?? node;
        foreach (var disk in disks.Where(d => d.Tls is not null && DiskNode(d).Tls is null))
        {
            errors.Add(disk.Tls!.Path, "node.tls is not set, so services connect in plaintext; set node.tls (the node's grpc-tls-listener) before overriding it per disk, or remove this tls");
        }

        var diskNames = disks.Where(d => d.Name is not null).Select(d => d.Name!).ToHashSet(StringComparer.Ordinal);
        var fleetId = RuntimeSectionReaders.ReadFleetId(map, sourceName);
        var process = RuntimeSectionReaders.ReadProcess(map);
        var docker = RuntimeSectionReaders.ReadDocker(map, paths, diskNames);
        var kubernetes = RuntimeSectionReaders.ReadKubernetes(map, diskNames);
        if (kubernetes is { TlsSecret: not null } && nodes.All(n => n.Tls is null))
        {
            // Without mTLS no pod would mount it: a Secret named here would be ignored without a word.
            errors.Add("kubernetes.tls-secret", "services connect in plaintext, so no pod mounts this Secret; set node.tls (the node's grpc-tls-listener) or remove tls-secret");
        }

        // Each disk's placement is checked against its own node's listener (the one its services dial).
        var nodeAddresses = nodes
            .SelectMany(n => AddressRules.Check(runtime, n, [.. disks.Where(d => DiskNode(d) == n)], docker, kubernetes, errors))
            .ToImmutableDictionary(StringComparer.Ordinal);
        var serviceNames = disks.SelectMany(d => d.Services).Where(s => s.Name is not null).Select(s => s.Name!).ToHashSet(StringComparer.Ordinal);
        var k2pow = K2PowSectionReader.Read(map, paths, diskNames, serviceNames);
        K2PowSectionReader.CheckManagedRuntime(k2pow, runtime, errors);
        var alerts = OperationsSectionReaders.ReadAlerts(map);
        var api = OperationsSectionReaders.ReadApi(map, paths);
        var history = OperationsSectionReaders.ReadHistory(map, paths, stateDir);

        if (errors.Errors.Count > 0)
        {
            return new ConfigLoadResult(null, [.. errors.Errors]);
        }

        var spec = new FleetSpec(node, post, runtime, schedule, [.. disks.Select(d => ToSpec(d, nodes, DiskNode(d).Tls, DiskNode(d).PostListener, nodeAddresses[d.Name!]))], stateDir)
        {
            Nodes = nodes,
            Source = sourceName,
            FleetId = fleetId,
            Process = process,
            Docker = docker ?? DockerSettings.Default,
            Kubernetes = kubernetes ?? KubernetesSettings.Default,
            Alerts = alerts,
            Api = api,
            History = history,
            K2Pow = k2pow,
        };
        return new ConfigLoadResult(spec, []);
    }

    // Only called when no error was reported, so every required value is present.
    private static DiskSpec ToSpec(DiskEntry disk, ImmutableArray<NodeSpec> nodes, TlsSpec? nodeTls, Uri listener, (Uri Address, string Key) nodeAddress) =>
        new(disk.Name!, [.. disk.Services.Select(s => new ServiceSpec(
            s.Name!,
            disk.Name!,
            s.DataDir!,
            s.NumUnits!.Value,
            s.Operator!.ToString(),
            [.. s.After.Select(a => a.Name)],
            s.OrderOnDisk) { Node = NodesSectionReader.NodeOf(nodes, disk, s) })])
        {
            Node = nodes.Length == 1 ? null : disk.Node ?? nodes[0].Name,
            Tls = disk.Tls is { } own && nodeTls is not null ? own.Over(nodeTls) : null,
            NodeAddress = nodeAddress.Address.Equals(listener) ? null : nodeAddress.Address,
            NodeAddressKey = nodeAddress.Key,
            Host = disk.Host,
        };
}
