namespace PostFleet.Spacemesh.Node;

/// <summary>Timings of <see cref="NodeGrpcClient"/>.</summary>
/// <param name="CallTimeout">
/// Limit on each unary call (connect included), so a hung node never stalls the reconcile pass that asked.
/// </param>
/// <param name="KeepAlivePingDelay">
/// Idle time before an HTTP/2 keepalive ping on a connection with an open call (the event stream). go-spacemesh
/// disconnects clients that ping more often than once per 60 s (too_many_pings), so this stays well above that.
/// </param>
/// <param name="KeepAlivePingTimeout">How long a ping may go unanswered before the connection counts as dead.</param>
public sealed record NodeClientOptions(TimeSpan CallTimeout, TimeSpan KeepAlivePingDelay, TimeSpan KeepAlivePingTimeout)
{
    public static readonly TimeSpan MinimumKeepAlivePingDelay = TimeSpan.FromSeconds(60);

    public static NodeClientOptions Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(20));
}
