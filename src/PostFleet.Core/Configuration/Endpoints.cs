using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PostFleet.Core.Configuration;

/// <summary>Listener and operator address parsing, with the messages a user needs to fix them.</summary>
public static class Endpoints
{
    /// <summary>
    /// A node listener: <c>127.0.0.1:10092</c>, <c>localhost:10092</c> or <c>http(s)://host:port</c>. The scheme
    /// defaults to http (the node's listeners are plain gRPC unless a TLS listener is configured).
    /// </summary>
    public static bool TryParseListener(string text, out Uri listener, out string problem)
    {
        listener = null!;
        var s = text.Trim();
        var withScheme = s.Contains("://", StringComparison.Ordinal) ? s : "http://" + s;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            problem = $"'{text}' is not a listener address; write host:port, e.g. 127.0.0.1:9092, or http://127.0.0.1:9094";
            return false;
        }

        if (uri.Scheme is not ("http" or "https"))
        {
            problem = $"scheme '{uri.Scheme}' is not supported; use http:// or https:// (or no scheme for http)";
            return false;
        }

        if (uri.IsDefaultPort && !HasExplicitPort(withScheme))
        {
            problem = $"'{text}' has no port; add the node's port, e.g. {uri.Host}:9094";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            problem = $"'{text}' has a path; a gRPC listener is only scheme://host:port";
            return false;
        }

        listener = new Uri($"{uri.Scheme}://{uri.Authority}");
        problem = "";
        return true;
    }

    /// <summary>
    /// Where the daemon's web side listens: <c>http://HOST:PORT</c>, or the same without the scheme
    /// (<c>127.0.0.1:8080</c>, <c>localhost:8080</c>, <c>[::1]:8080</c>, <c>0.0.0.0:8080</c>), which means http:
    /// the web side has no TLS of its own. <paramref name="listen"/> is always <c>http://HOST:PORT</c>.
    /// </summary>
    public static bool TryParseWebListen(string text, out string listen, out string problem)
    {
        listen = "";
        var s = text.Trim();
        var hasScheme = s.Contains("://", StringComparison.Ordinal);
        var withScheme = hasScheme ? s : "http://" + s;
        var usage = "use HOST:PORT or http://HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or http://127.0.0.1:8080";
        if (s.Length == 0 || !Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            problem = !hasScheme && s.Count(c => c == ':') > 1 && !s.StartsWith('[')
                ? $"'{text}': an IPv6 address needs brackets, e.g. [::1]:8080"
                : $"'{text}' is not a listen address; {usage}";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            problem = $"'{text}': scheme '{uri.Scheme}' is not supported; the web side serves plain http (put a TLS proxy in front for https); {usage}";
            return false;
        }

        if (!HasExplicitPort(withScheme))
        {
            problem = $"'{text}' has no port; add one, e.g. {uri.Host}:8080";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            problem = $"'{text}' is more than an address; {usage}";
            return false;
        }

        listen = $"http://{uri.Authority}";
        problem = "";
        return true;
    }

    /// <summary>
    /// A post-service <c>--operator-address</c>: an IP:port literal (<c>127.0.0.1:10051</c>, <c>[::1]:10051</c>).
    /// The real service parses it as a Rust SocketAddr and refuses host names.
    /// </summary>
    public static bool TryParseOperator(string text, out IPEndPoint endpoint, out string problem)
    {
        endpoint = null!;
        var s = text.Trim();
        var colon = s.LastIndexOf(':');
        if (colon <= 0)
        {
            problem = $"'{text}' has no port; write IP:port, e.g. 127.0.0.1:10051";
            return false;
        }

        var host = s[..colon];
        var portText = s[(colon + 1)..];
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (bracketed)
        {
            host = host[1..^1];
        }

        if (!IPAddress.TryParse(host, out var address)
            || (address.AddressFamily == AddressFamily.InterNetwork && host.Split('.').Length != 4)
            || (address.AddressFamily == AddressFamily.InterNetworkV6 && !bracketed))
        {
            problem = host.Contains(':', StringComparison.Ordinal) && !bracketed
                ? $"'{text}': an IPv6 address needs brackets, e.g. [::1]:10051"
                : $"'{text}' is not an IP:port literal; post-service refuses host names, write e.g. 127.0.0.1:10051";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            problem = $"'{text}': port '{portText}' must be a number from 1 to 65535";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        problem = "";
        return true;
    }

    /// <summary>localhost or a loopback IP (bracketed or not): a name for "this network namespace" on every side.</summary>
    public static bool IsLoopbackHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var bare = host.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(bare, out var ip) && IPAddress.IsLoopback(ip));
    }

    private static bool HasExplicitPort(string withScheme)
    {
        var authority = withScheme[(withScheme.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/')[0];
        var lastColon = authority.LastIndexOf(':');
        return lastColon >= 0 && lastColon > authority.LastIndexOf(']');
    }
}
