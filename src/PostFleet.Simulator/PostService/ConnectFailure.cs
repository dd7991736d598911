using System.Net.Sockets;
using System.Security.Authentication;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// How post-rs prints a failed connect: <c>{e:?}</c> of tonic's transport error, i.e. Rust Debug of
/// <c>tonic::transport::Error(Transport, ConnectError(source))</c>, where the source is hyper-util's
/// <c>ConnectError("tcp connect error", Os { … })</c> for TCP and an <c>io::Error</c> wrapping a rustls error for TLS.
/// </summary>
public static class ConnectFailure
{
    public static string TonicError(string source) => $"tonic::transport::Error(Transport, ConnectError({source}))";

    /// <summary>The Rust Debug of the cause, from the .NET exception the simulated connect saw.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        SocketException socket => Tcp(socket.SocketErrorCode),
        OperationCanceledException => Tcp(SocketError.TimedOut),
        // The node ended the handshake with an alert: rustls reports the alert it received.
        AuthenticationException => Rustls("AlertReceived(BadCertificate)"),
        IOException { InnerException: SocketException socket } => Tcp(socket.SocketErrorCode),
        _ => Tcp(SocketError.ConnectionReset),
    };

    /// <summary>rustls' certificate errors as tokio-rustls surfaces them: an io::Error of kind InvalidData.</summary>
    public static string Rustls(string error) => $"Custom {{ kind: InvalidData, error: {error} }}";

    private static string Tcp(SocketError error)
    {
        var (code, kind, message) = error switch
        {
            SocketError.ConnectionRefused => (111, "ConnectionRefused", "Connection refused"),
            SocketError.TimedOut => (110, "TimedOut", "Connection timed out"),
            SocketError.HostUnreachable => (113, "HostUnreachable", "No route to host"),
            SocketError.NetworkUnreachable => (101, "NetworkUnreachable", "Network is unreachable"),
            SocketError.AddressNotAvailable => (99, "AddrNotAvailable", "Cannot assign requested address"),
            _ => (104, "ConnectionReset", "Connection reset by peer"),
        };
        return $"ConnectError(\"tcp connect error\", Os {{ code: {code}, kind: {kind}, message: \"{message}\" }})";
    }
}
