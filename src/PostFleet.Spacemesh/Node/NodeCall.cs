using Grpc.Core;

namespace PostFleet.Spacemesh.Node;

/// <summary>
/// Runs one unary call on one listener under the call timeout and turns every failure except the caller's own
/// cancellation into a <see cref="NodeUnavailableException"/>.
/// </summary>
/// <remarks>
/// The timeout is a cancellation from the injected <see cref="TimeProvider"/> rather than a gRPC deadline, because
/// gRPC deadlines are read from the wall clock and could not be driven by a test clock.
/// </remarks>
internal sealed class NodeCall(NodeListener listener, Uri address, TimeProvider time, TimeSpan timeout)
{
    public NodeListener Listener => listener;

    public Uri Address => address;

    public async Task<TResponse> RunAsync<TResponse>(string method, Func<CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            using var pending = call(new CallOptions(cancellationToken: linked.Token));
            return await pending.ResponseAsync.ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Either our timer fired, or the node itself answered CANCELLED (the channel reports both alike).
            throw timer.IsCancellationRequested
                ? Failure(method, $"got no answer within {timeout.TotalSeconds:0.#} s", ex, StatusCode.DeadlineExceeded)
                : Failure(method, "was cancelled by the node", ex, StatusCode.Cancelled);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var what = timer.IsCancellationRequested
                ? $"got no answer within {timeout.TotalSeconds:0.#} s"
                : $"failed: {ex.StatusCode} {ex.Status.Detail}".TrimEnd();
            throw Failure(method, what, ex, ex.StatusCode);
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
        {
            // A cancellation that races the answer can surface as the aborted HTTP/2 stream (UNAVAILABLE): the
            // caller asked to stop, so it is told it stopped, as it would have been a moment earlier.
            throw new OperationCanceledException($"{method} was stopped", ex, cancellationToken);
        }
    }

    public NodeUnavailableException Failure(string method, string what, Exception? inner = null, StatusCode? status = null) =>
        new(listener, address, method, what, inner, status);
}
