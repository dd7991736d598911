using Grpc.Core;

namespace PostFleet.Spacemesh.Node;

/// <summary>
/// The node did not answer a call, answered with an error, or answered something we cannot use. The message names
/// the listener, its address and the method, so a log line alone says which port to look at.
/// </summary>
public sealed class NodeUnavailableException : Exception
{
    public NodeUnavailableException()
    {
    }

    public NodeUnavailableException(string message)
        : base(message)
    {
    }

    public NodeUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal NodeUnavailableException(NodeListener listener, Uri address, string method, string what, Exception? innerException = null, StatusCode? status = null)
        : base($"node {listener.ToString().ToLowerInvariant()} listener ({address}): {method} {what}", innerException)
    {
        Listener = listener;
        Status = status;
    }

    public NodeListener? Listener { get; }

    /// <summary>The gRPC status when the node answered with one; lets the client fall back on UNIMPLEMENTED.</summary>
    internal StatusCode? Status { get; }
}
