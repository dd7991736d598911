using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace PostFleet.Simulator.Node;

/// <summary>
/// The grpc-gateway of `--grpc-json-listener`: public services only, annotated paths for MeshService and
/// NodeService, `POST /&lt;pkg.Service&gt;/&lt;Method&gt;` for un-annotated ones. Bodies are protojson.
/// </summary>
public static class JsonGateway
{
    // grpc-gateway v2 emits unpopulated fields; uint64 as strings, bytes as base64, enums by name.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static void Map(IEndpointRouteBuilder app)
    {
        Map<MeshApi, Spacemesh.V1.GenesisTimeRequest, Spacemesh.V1.GenesisTimeResponse>(app, "/v1/mesh/genesistime", (s, r, c) => s.GenesisTime(r, c));
        Map<MeshApi, Spacemesh.V1.CurrentLayerRequest, Spacemesh.V1.CurrentLayerResponse>(app, "/v1/mesh/currentlayer", (s, r, c) => s.CurrentLayer(r, c));
        Map<MeshApi, Spacemesh.V1.CurrentEpochRequest, Spacemesh.V1.CurrentEpochResponse>(app, "/v1/mesh/currentepoch", (s, r, c) => s.CurrentEpoch(r, c));
        Map<MeshApi, Spacemesh.V1.GenesisIDRequest, Spacemesh.V1.GenesisIDResponse>(app, "/v1/mesh/genesisid", (s, r, c) => s.GenesisID(r, c));
        Map<MeshApi, Spacemesh.V1.EpochNumLayersRequest, Spacemesh.V1.EpochNumLayersResponse>(app, "/v1/mesh/epochnumlayers", (s, r, c) => s.EpochNumLayers(r, c));
        Map<MeshApi, Spacemesh.V1.LayerDurationRequest, Spacemesh.V1.LayerDurationResponse>(app, "/v1/mesh/layerduration", (s, r, c) => s.LayerDuration(r, c));
        Map<NodeApi, Google.Protobuf.WellKnownTypes.Empty, Spacemesh.V1.VersionResponse>(app, "/v1/node/version", (s, r, c) => s.Version(r, c));
        Map<NodeApi, Spacemesh.V1.StatusRequest, Spacemesh.V1.StatusResponse>(app, "/v1/node/status", (s, r, c) => s.Status(r, c));
        Map<ActivationApi, Google.Protobuf.WellKnownTypes.Empty, Spacemesh.V1.HighestResponse>(app, "/spacemesh.v1.ActivationService/Highest", (s, r, c) => s.Highest(r, c));
        Map<NetworkApi, Spacemesh.V2Alpha1.NetworkInfoRequest, Spacemesh.V2Alpha1.NetworkInfoResponse>(app, "/spacemesh.v2alpha1.NetworkService/Info", (s, r, c) => s.Info(r, c));
    }

    private static void Map<TService, TRequest, TResponse>(IEndpointRouteBuilder app, string path, Func<TService, TRequest, ServerCallContext, Task<TResponse>> call)
        where TService : class
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage
    {
        app.MapPost(path, async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync(http.RequestAborted);
            TRequest request;
            try
            {
                request = string.IsNullOrWhiteSpace(body) ? new TRequest() : Parser.Parse<TRequest>(body);
            }
            catch (InvalidProtocolBufferException ex)
            {
                return Results.Json(new { code = (int)StatusCode.InvalidArgument, message = ex.Message, details = Array.Empty<object>() }, statusCode: 400);
            }

            var service = http.RequestServices.GetRequiredService<TService>();
            var response = await call(service, request, new GatewayCallContext(http, path));
            return Results.Text(Formatter.Format(response), "application/json");
        }).WithMetadata(new ListenerScope(JsonListener.Name));
    }
}
