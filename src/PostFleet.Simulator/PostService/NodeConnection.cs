using Grpc.Core;
using Grpc.Net.Client;
using Spacemesh.V1;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// One Register stream to the node: the service sends nothing first and answers every NodeRequest in order,
/// one answer per request.
/// </summary>
public sealed class NodeConnection(ProvingService proving, ServiceLog log)
{
    /// <summary>Serves until the stream ends; returns the Rust Debug of the outcome for the "disconnected:" log line.</summary>
    public async Task<string> ServeAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        var client = new Spacemesh.V1.PostService.PostServiceClient(channel);
        try
        {
            using var call = client.Register(cancellationToken: cancellationToken);
            await foreach (var request in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                var answer = await Task.Run(() => Answer(request), cancellationToken);
                await call.RequestStream.WriteAsync(answer, cancellationToken);
            }

            return "Ok(())";
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or HttpRequestException)
        {
            return $"Err({RegisterFailure.Describe(ex)})";
        }
    }

    private ServiceResponse Answer(NodeRequest request)
    {
        switch (request.KindCase)
        {
            case NodeRequest.KindOneofCase.Metadata:
                // The node opens every Register with this request, so this line is the log's evidence of a registration.
                log.Info("post_service::client", $"obtained metadata: {proving.MetadataDebug()}");
                return new ServiceResponse { Metadata = new MetadataResponse { Meta = proving.Metadata() } };
            case NodeRequest.KindOneofCase.GenProof:
                return new ServiceResponse { GenProof = proving.GenProof(request.GenProof.Challenge.ToByteArray()) };
            default:
                log.Warn("post_service::client", "Got a request with no kind");
                return new ServiceResponse { GenProof = new GenProofResponse { Status = GenProofStatus.Error } };
        }
    }
}
