using Grpc.Core;
using PostFleet.Spacemesh.Node;

namespace PostFleet.Spacemesh.Tests;

/// <summary>How one unary call reports its end: the caller's own stop is a cancellation, whatever the channel says.</summary>
public sealed class NodeCallTests
{
    private static readonly Uri Address = new("http://127.0.0.1:9092");

    [Fact]
    public async Task A_stop_that_races_the_answer_is_a_cancellation_not_an_unreachable_node()
    {
        var call = new NodeCall(NodeListener.Public, Address, TimeProvider.System, TimeSpan.FromMinutes(1));
        using var stop = new CancellationTokenSource();

        // The stream reset by our own cancellation comes back as UNAVAILABLE "The request was aborted".
        var task = call.RunAsync("NodeService.Status", _ => Unary<string>(async () =>
        {
            await stop.CancelAsync();
            throw new RpcException(new Status(StatusCode.Unavailable, "Error reading next message. IOException: The request was aborted."));
        }), stop.Token);

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Equal(stop.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task The_same_failure_without_a_stop_names_the_node_and_the_method()
    {
        var call = new NodeCall(NodeListener.Public, Address, TimeProvider.System, TimeSpan.FromMinutes(1));

        var ex = await Assert.ThrowsAsync<NodeUnavailableException>(() => call.RunAsync("NodeService.Status", _ => Unary<string>(
            () => throw new RpcException(new Status(StatusCode.Unavailable, "connection refused"))), CancellationToken.None));

        Assert.Contains("NodeService.Status", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Unavailable connection refused", ex.Message, StringComparison.Ordinal);
    }

    private static AsyncUnaryCall<T> Unary<T>(Func<Task<T>> answer) =>
        new(answer(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
}
