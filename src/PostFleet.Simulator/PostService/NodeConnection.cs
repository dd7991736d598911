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
    /// <summary>Serves until the stream ends; returns the Rust-style outcome for the "disconnected:" log line.</summary>
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
        catch (RpcException ex)
        {
            return $"Err(status: {ex.StatusCode}, message: \"{ex.Status.Detail}\")";
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or HttpRequestException)
        {
            return $"Err({ex.Message})";
        }
    }

    private ServiceResponse Answer(NodeRequest request)
    {
        switch (request.KindCase)
        {
            case NodeRequest.KindOneofCase.Metadata:
                var meta = proving.Metadata();
                log.Info("post_service::client", $"obtained metadata: PostMetadata {{ node_id: {Convert.ToHexString(meta.NodeId.Span)}, commitment_atx_id: {Convert.ToHexString(meta.CommitmentAtxId.Span)}, num_units: {meta.NumUnits}, labels_per_unit: {meta.LabelsPerUnit}, nonce: {(meta.HasNonce ? $"Some({meta.Nonce})" : "None")} }}");
                return new ServiceResponse { Metadata = new MetadataResponse { Meta = meta } };
            case NodeRequest.KindOneofCase.GenProof:
                return new ServiceResponse { GenProof = proving.GenProof(request.GenProof.Challenge.ToByteArray()) };
            default:
                log.Warn("post_service::client", "unexpected request: None");
                return new ServiceResponse { GenProof = new GenProofResponse { Status = GenProofStatus.Error } };
        }
    }
}
