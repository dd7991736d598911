using Grpc.Core;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>spacemesh.v1.PostInfoService.PostStates (post listener only). Order is unspecified, as in the node.</summary>
public sealed class PostInfoApi(PostStateTable states) : PostInfoService.PostInfoServiceBase
{
    public override Task<PostStatesResponse> PostStates(PostStatesRequest request, ServerCallContext context)
    {
        var response = new PostStatesResponse();
        response.States.AddRange(states.Snapshot());
        return Task.FromResult(response);
    }
}
