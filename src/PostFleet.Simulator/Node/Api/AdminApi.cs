using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>spacemesh.v1.AdminService.EventsStream (private): headers, replay of the last ≤ 100 events, then live.</summary>
public sealed class AdminApi(NodeEvents events, IHostApplicationLifetime lifetime) : AdminService.AdminServiceBase
{
    public override async Task EventsStream(EventStreamRequest request, IServerStreamWriter<Event> responseStream, ServerCallContext context)
    {
        using var subscription = events.Subscribe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        await context.WriteResponseHeadersAsync([]);
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(stop.Token))
            {
                await responseStream.WriteAsync(e, stop.Token);
            }
        }
        catch (NodeEvents.BufferFullException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "buffer is full"));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Client gone or node stopping.
        }
    }
}
