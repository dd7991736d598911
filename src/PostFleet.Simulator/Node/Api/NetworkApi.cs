using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spacemesh.V2Alpha1;

namespace PostFleet.Simulator.Node;

/// <summary>spacemesh.v2alpha1.NetworkService.Info (public): exact durations, unlike MeshService.</summary>
public sealed class NetworkApi(SimNode node) : NetworkService.NetworkServiceBase
{
    public const string Hrp = "stest";

    public override Task<NetworkInfoResponse> Info(NetworkInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new NetworkInfoResponse
        {
            GenesisTime = Timestamp.FromDateTimeOffset(node.Settings.Network.Genesis),
            LayerDuration = Duration.FromTimeSpan(node.Settings.Network.LayerDuration),
            GenesisId = ByteString.CopyFrom(node.Ids.GenesisId),
            Hrp = Hrp,
            // go-spacemesh: the first effective genesis layer is the last layer of epoch 1.
            EffectiveGenesisLayer = (node.Settings.Network.LayersPerEpoch * 2) - 1,
            LayersPerEpoch = node.Settings.Network.LayersPerEpoch,
            LabelsPerUnit = node.Settings.Post.LabelsPerUnit,
        });
}
