using System.Security.Authentication;
using Grpc.Core;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// How post-rs prints a Register stream that ended with an error: <c>disconnected: {res:?}</c> of an eyre report
/// around a tonic <c>Status</c>, whose Display is <c>status: Code, message: "…", details: […], metadata: MetadataMap
/// { headers: {…} }</c>; a transport cause follows on the report's <c>Caused by:</c> lines.
/// </summary>
public static class RegisterFailure
{
    public static string Describe(Exception ex)
    {
        if (Refused(ex))
        {
            // TLS 1.3: the client finishes its handshake before the node checks the client certificate, so the node's
            // alert arrives on the first read of the Register stream, not at connect.
            return Status("Unknown", "h2 protocol error: http2 error") + "\n\nCaused by:\n    0: http2 error\n    1: received fatal alert: BadCertificate";
        }

        return ex is RpcException rpc
            ? Status(rpc.StatusCode.ToString(), rpc.Status.Detail)
            : Status("Unknown", "h2 protocol error: error reading a body from connection") + $"\n\nCaused by:\n    0: {ex.Message}";
    }

    private static string Status(string code, string message) =>
        $"status: {code}, message: {RustString(message)}, details: [], metadata: MetadataMap {{ headers: {{}} }}";

    private static bool Refused(Exception ex)
    {
        for (var e = (Exception?)ex; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Rust's Debug of a string: quoted, with quotes and backslashes escaped.</summary>
    private static string RustString(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
