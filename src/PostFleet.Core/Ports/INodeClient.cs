using PostFleet.Core.Model;
using PostFleet.Core.Timeline;

namespace PostFleet.Core.Ports;

/// <summary>The node as the orchestrator sees it: gRPC on its post, public and private listeners.</summary>
public interface INodeClient
{
    /// <summary>PostInfoService.PostStates, sorted by name (the node returns them in random order).</summary>
    Task<IReadOnlyList<IdentityState>> GetPostStatesAsync(CancellationToken cancellationToken);

    /// <summary>Genesis, layer duration and layers per epoch (v2alpha1 NetworkService.Info, else MeshService).</summary>
    Task<NetworkClock> GetNetworkClockAsync(CancellationToken cancellationToken);

    /// <summary>ActivationService.Highest's ATX id (the golden ATX before any ATX exists), 32 bytes.</summary>
    Task<byte[]> GetHighestAtxIdAsync(CancellationToken cancellationToken);

    Task<NodeHealth> GetHealthAsync(CancellationToken cancellationToken);

    /// <summary>NodeService.Status's <c>is_synced</c> alone (one call): false while a (re)started node syncs.</summary>
    Task<bool> IsSyncedAsync(CancellationToken cancellationToken);

    /// <summary>AdminService.EventsStream: the node's replay of recent events, then live ones.</summary>
    IAsyncEnumerable<NodeEvent> StreamEventsAsync(CancellationToken cancellationToken) => StreamEventsAsync(static () => { }, cancellationToken);

    /// <summary>
    /// As <see cref="StreamEventsAsync(CancellationToken)"/>; <paramref name="subscribed"/> is called once the node has
    /// subscribed the stream (its response header), before the replay: go-spacemesh sends the header, then every
    /// buffered event, then live ones (api/grpcserver/admin_service.go, AdminService.EventsStream).
    /// </summary>
    IAsyncEnumerable<NodeEvent> StreamEventsAsync(Action subscribed, CancellationToken cancellationToken);
}

public sealed record NodeHealth(bool IsSynced, uint TopLayer, ulong ConnectedPeers, string? Version);
