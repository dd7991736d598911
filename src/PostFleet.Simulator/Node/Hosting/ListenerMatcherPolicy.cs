using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace PostFleet.Simulator.Node;

/// <summary>
/// Serves each endpoint only on its own listener: a service on the wrong listener falls through to gRPC's
/// "unimplemented" endpoint, exactly as a real grpc-go server without that service answers.
/// </summary>
public sealed class ListenerMatcherPolicy(ListenerDirectory listeners) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<ListenerScope>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var listener = listeners.NameOf(httpContext.Connection.LocalPort);
        for (var i = 0; i < candidates.Count; i++)
        {
            var scope = candidates[i].Endpoint.Metadata.GetMetadata<ListenerScope>();
            if (scope is not null && scope.Listener != listener)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
