using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>spacemesh.v1.ActivationService.Highest (public): the commitment ATX for postcli.</summary>
public sealed class ActivationApi(SimNode node, NodeStateStore store) : ActivationService.ActivationServiceBase
{
    public override Task<HighestResponse> Highest(Empty request, ServerCallContext context)
    {
        if (store.HighestAtx() is not { } atx)
        {
            // No ATX yet: only the id is set, to the golden ATX.
            return Task.FromResult(new HighestResponse { Atx = new Activation { Id = new ActivationId { Id = ByteString.CopyFrom(node.Ids.GoldenAtx) } } });
        }

        return Task.FromResult(new HighestResponse
        {
            Atx = new Activation
            {
                Id = new ActivationId { Id = ByteString.CopyFrom(Convert.FromHexString(atx.IdHex)) },
                // Quirk kept: `layer` holds the publish epoch.
                Layer = new LayerNumber { Number = atx.PublishEpoch },
                SmesherId = new SmesherId { Id = ByteString.CopyFrom(Convert.FromHexString(atx.NodeIdHex)) },
                Coinbase = new AccountId { Address = node.Settings.Coinbase },
                NumUnits = atx.NumUnits,
                Sequence = atx.Sequence,
            },
        });
    }
}
