using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>
/// spacemesh.v1.PostService.Register (post listener): the post-service dials in, the node asks for metadata,
/// keys the stream by node id and from then on drives it (fact sheet §2).
/// </summary>
public sealed class PostApi(
    SimNode node,
    PostServiceConnections connections,
    SimRecord record,
    IHostApplicationLifetime lifetime,
    ILogger<PostApi> logger) : Spacemesh.V1.PostService.PostServiceBase
{
    public override async Task Register(IAsyncStreamReader<ServiceResponse> requestStream, IServerStreamWriter<NodeRequest> responseStream, ServerCallContext context)
    {
        if (node.Settings.Coinbase.Length == 0)
        {
            record.Write("service-rejected", null, new JsonObject { ["reason"] = "no coinbase" });
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "connection not allowed: node has no coinbase set in config"));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var meta = await HandshakeAsync(requestStream, responseStream, stop.Token);
        var connection = new PostServiceConnection(meta.NodeId.ToByteArray(), responseStream);
        var identity = node.FindIdentity(connection.NodeIdHex);
        if (!connections.TryAdd(connection))
        {
            record.Write("service-rejected", identity, new JsonObject { ["reason"] = "post service already registered" }, connection.NodeIdHex);
            throw new RpcException(new Status(StatusCode.Unknown, "post service already registered"));
        }

        logger.LogInformation("post service registered (node id {NodeId}{Known})", connection.NodeIdHex, identity is null ? ", no such identity: it will idle" : "");
        record.Write("service-registered", identity, new JsonObject { ["known"] = identity is not null }, connection.NodeIdHex);
        try
        {
            // The node asks, the service answers: every message read here answers the request in flight.
            while (await requestStream.MoveNext(stop.Token))
            {
                if (!connection.Deliver(requestStream.Current))
                {
                    throw new RpcException(new Status(StatusCode.Unknown, "unexpected message from post service: nothing was requested"));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // Stream broken or node stopping: same as a disconnect.
        }
        finally
        {
            connections.Remove(connection);
            connection.Close();
            record.Write("service-disconnected", identity, null, connection.NodeIdHex);
            logger.LogInformation("post service disconnected (node id {NodeId})", connection.NodeIdHex);
        }
    }

    private static async Task<Spacemesh.V1.Metadata> HandshakeAsync(IAsyncStreamReader<ServiceResponse> requestStream, IServerStreamWriter<NodeRequest> responseStream, CancellationToken cancellationToken)
    {
        await responseStream.WriteAsync(new NodeRequest { Metadata = new MetadataRequest() }, cancellationToken);
        if (!await requestStream.MoveNext(cancellationToken))
        {
            throw new RpcException(new Status(StatusCode.Unknown, "failed to receive metadata: stream closed"));
        }

        var answer = requestStream.Current;
        if (answer.KindCase != ServiceResponse.KindOneofCase.Metadata || answer.Metadata.Meta is null)
        {
            throw new RpcException(new Status(StatusCode.Unknown, $"expected metadata response, got {answer.KindCase}"));
        }

        return answer.Metadata.Meta;
    }
}
