using Grpc.Core;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>spacemesh.v1.MeshService (public): the network clock in wall-clock terms.</summary>
public sealed class MeshApi(SimNode node, TimeProvider time) : MeshService.MeshServiceBase
{
    public override Task<GenesisTimeResponse> GenesisTime(GenesisTimeRequest request, ServerCallContext context) =>
        Task.FromResult(new GenesisTimeResponse { Unixtime = new SimpleInt { Value = (ulong)node.Settings.Network.Genesis.ToUnixTimeSeconds() } });

    public override Task<CurrentLayerResponse> CurrentLayer(CurrentLayerRequest request, ServerCallContext context) =>
        Task.FromResult(new CurrentLayerResponse { Layernum = new LayerNumber { Number = node.Timeline.CurrentLayer(time.GetUtcNow()) } });

    public override Task<CurrentEpochResponse> CurrentEpoch(CurrentEpochRequest request, ServerCallContext context) =>
        Task.FromResult(new CurrentEpochResponse { Epochnum = new EpochNumber { Number = node.Timeline.CurrentEpoch(time.GetUtcNow()) } });

    public override Task<GenesisIDResponse> GenesisID(GenesisIDRequest request, ServerCallContext context) =>
        Task.FromResult(new GenesisIDResponse { GenesisId = Google.Protobuf.ByteString.CopyFrom(node.Ids.GenesisId) });

    public override Task<EpochNumLayersResponse> EpochNumLayers(EpochNumLayersRequest request, ServerCallContext context) =>
        Task.FromResult(new EpochNumLayersResponse { Numlayers = new LayerNumber { Number = node.Settings.Network.LayersPerEpoch } });

    /// <summary>Whole seconds, truncated, like the real node (a 3.5 s scaled layer reports 3).</summary>
    public override Task<LayerDurationResponse> LayerDuration(LayerDurationRequest request, ServerCallContext context) =>
        Task.FromResult(new LayerDurationResponse { Duration = new SimpleInt { Value = (ulong)node.Settings.Network.LayerDuration.Ticks / TimeSpan.TicksPerSecond } });
}
