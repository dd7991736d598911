using System.Collections.Concurrent;
using Docker.DotNet;

namespace PostFleet.Runtime.Docker;

/// <summary>
/// Picks the engine for a service (the one on the host holding its disk) and owns one client per engine.
/// A run's instance id names its endpoint, so stop and forget reach the same engine after an adoption.
/// </summary>
public sealed class DockerEndpointSelector : IDisposable
{
    private readonly DockerRuntimeOptions _options;
    private readonly Dictionary<string, DockerEndpoint> _endpoints;
    private readonly ConcurrentDictionary<string, Lazy<DockerClient>> _clients = new(StringComparer.Ordinal);

    public DockerEndpointSelector(DockerRuntimeOptions options)
    {
        if (options.Endpoints.IsDefaultOrEmpty)
        {
            throw new ArgumentException("at least one Docker endpoint is needed", nameof(options));
        }

        _options = options;
        _endpoints = options.Endpoints.ToDictionary(e => e.Name, StringComparer.Ordinal);
        foreach (var (disk, endpoint) in options.DiskEndpoints)
        {
            if (!_endpoints.ContainsKey(endpoint))
            {
                throw new ArgumentException($"disk '{disk}' names Docker endpoint '{endpoint}', which is not configured", nameof(options));
            }
        }
    }

    public IEnumerable<DockerEndpoint> All => _options.Endpoints;

    /// <summary>The endpoint for a service: its disk's, else the first configured one.</summary>
    public DockerEndpoint ForService(string serviceName) =>
        _options.ServiceDisks.TryGetValue(serviceName, out var disk) && _options.DiskEndpoints.TryGetValue(disk, out var name)
            ? _endpoints[name]
            : _options.Endpoints[0];

    public DockerEndpoint ByName(string name) =>
        _endpoints.TryGetValue(name, out var endpoint)
            ? endpoint
            : throw new InvalidOperationException($"Docker endpoint '{name}' is not configured (any more)");

    public IDockerClient ClientFor(DockerEndpoint endpoint) =>
        _clients.GetOrAdd(endpoint.Name, _ => new Lazy<DockerClient>(() => DockerClients.Create(endpoint))).Value;

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }
    }
}
