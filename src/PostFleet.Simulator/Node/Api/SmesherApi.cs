using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>spacemesh.v1.SmesherService (private): the parts a 1:N orchestrator reads.</summary>
public sealed class SmesherApi(SimNode node) : SmesherService.SmesherServiceBase
{
    public override Task<IsSmeshingResponse> IsSmeshing(Empty request, ServerCallContext context)
    {
        if (node.Mode == SmeshingMode.Remote)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "node is not configured for supervised smeshing"));
        }

        // Supervised smeshing (local PoST init + own post-service) is not simulated.
        return Task.FromResult(new IsSmeshingResponse { IsSmeshing = false });
    }

    public override Task<SmesherIDsResponse> SmesherIDs(Empty request, ServerCallContext context)
    {
        var response = new SmesherIDsResponse();
        response.PublicKeys.AddRange(node.Identities.Select(i => ByteString.CopyFrom(i.NodeId)));
        return Task.FromResult(response);
    }

    public override Task<CoinbaseResponse> Coinbase(Empty request, ServerCallContext context) =>
        Task.FromResult(new CoinbaseResponse { AccountId = new AccountId { Address = node.Settings.Coinbase } });

    public override Task<PostConfigResponse> PostConfig(Empty request, ServerCallContext context)
    {
        var post = node.Settings.Post;
        return Task.FromResult(new PostConfigResponse
        {
            BitsPerLabel = PostParameters.BitsPerLabel,
            LabelsPerUnit = post.LabelsPerUnit,
            MinNumUnits = post.MinNumUnits,
            MaxNumUnits = post.MaxNumUnits,
            K1 = post.K1,
            K2 = post.K2,
        });
    }
}
