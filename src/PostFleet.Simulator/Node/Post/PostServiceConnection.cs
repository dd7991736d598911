using Grpc.Core;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>
/// One registered post-service stream. The node drives it: it writes a request and waits for exactly one answer,
/// one request at a time. Answers are read by the Register handler's loop and handed to the waiting request.
/// </summary>
public sealed class PostServiceConnection(byte[] nodeId, IServerStreamWriter<NodeRequest> writer)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly Lock _gate = new();
    private TaskCompletionSource<ServiceResponse>? _pending;
    private bool _closed;

    public byte[] NodeId { get; } = nodeId;

    public string NodeIdHex { get; } = Convert.ToHexStringLower(nodeId);

    /// <summary>
    /// Sends one request and waits for its answer. Cancelling only stops the wait: the answer still has to
    /// arrive before the next request goes out, exactly as on the real stream.
    /// </summary>
    public async Task<ServiceResponse> SendAsync(NodeRequest request, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        var answer = new TaskCompletionSource<ServiceResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_closed)
            {
                _oneAtATime.Release();
                throw new ConnectionClosedException();
            }

            _pending = answer;
        }

        _ = answer.Task.ContinueWith(_ => _oneAtATime.Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await writer.WriteAsync(request, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            Close();
        }

        return await answer.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Hands an answer to the waiting request; false if nothing was asked (a protocol violation).</summary>
    public bool Deliver(ServiceResponse response)
    {
        TaskCompletionSource<ServiceResponse>? pending;
        lock (_gate)
        {
            pending = _pending;
            _pending = null;
        }

        return pending?.TrySetResult(response) ?? false;
    }

    /// <summary>The stream ended: a waiting request fails with "client closed" and later ones fail at once.</summary>
    public void Close()
    {
        TaskCompletionSource<ServiceResponse>? pending;
        lock (_gate)
        {
            _closed = true;
            pending = _pending;
            _pending = null;
        }

        pending?.TrySetException(new ConnectionClosedException());
    }
}

/// <summary>The post-service went away mid-request; the proof loop goes back to waiting for a reconnection.</summary>
public sealed class ConnectionClosedException() : Exception("client closed");
