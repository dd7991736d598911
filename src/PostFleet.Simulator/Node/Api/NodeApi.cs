using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>spacemesh.v1.NodeService (public): synced to the current layer once the sync after start-up is over.</summary>
public sealed class NodeApi(SimNode node, NodeSync sync, TimeProvider time) : NodeService.NodeServiceBase
{
    public override Task<VersionResponse> Version(Empty request, ServerCallContext context) =>
        Task.FromResult(new VersionResponse { VersionString = new SimpleString { Value = SimNode.Version } });

    public override Task<StatusResponse> Status(StatusRequest request, ServerCallContext context)
    {
        var layer = new LayerNumber { Number = node.Timeline.CurrentLayer(time.GetUtcNow()) };
        return Task.FromResult(new StatusResponse
        {
            Status = new NodeStatus { ConnectedPeers = 0, IsSynced = sync.IsSynced, SyncedLayer = layer, TopLayer = layer, VerifiedLayer = layer },
        });
    }
}
