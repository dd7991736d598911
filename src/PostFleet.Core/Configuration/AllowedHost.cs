using System.Globalization;

namespace PostFleet.Core.Configuration;

/// <summary>
/// A name the daemon's web side answers to besides its listen address (<c>api.allowed-hosts</c>), for a reverse
/// proxy: <c>fleet.example.org</c> (any port) or <c>fleet.example.org:443</c> (that port only). Compared with the
/// request's Host header; a page whose DNS name merely resolves to the daemon never matches one.
/// </summary>
public sealed record AllowedHost(string Name, int? Port)
{
    private const string Usage = "write a host name or address with an optional port, e.g. fleet.example.org or fleet.example.org:443";

    /// <summary><paramref name="port"/> is the Host header's (null when it has none).</summary>
    public bool Matches(string host, int? port) =>
        string.Equals(Name.Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase) && (Port is null || Port == port);

    public override string ToString() => Port is { } port ? $"{Name}:{port.ToString(CultureInfo.InvariantCulture)}" : Name;

    public static bool TryParse(string text, out AllowedHost host, out string problem)
    {
        host = null!;
        var s = text.Trim();
        if (s.Length == 0)
        {
            problem = $"is empty; {Usage}";
            return false;
        }

        if (s.Contains("://", StringComparison.Ordinal) || s.IndexOfAny(['/', '@', '?', '#', '*', ' ', '\t']) >= 0)
        {
            problem = $"'{text}' is not a host; {Usage} (no scheme, path or wildcard)";
            return false;
        }

        if (!Uri.TryCreate("http://" + s, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.AbsolutePath != "/"
            || Uri.CheckHostName(uri.IdnHost.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            problem = $"'{text}' is not a host; {Usage}";
            return false;
        }

        var lastColon = s.LastIndexOf(':');
        var hasPort = lastColon >= 0 && lastColon > s.LastIndexOf(']');
        if (hasPort && (uri.Port is < 1 or > 65535 || lastColon == s.Length - 1))
        {
            problem = $"'{text}' has a port outside 1..65535; {Usage}";
            return false;
        }

        host = new AllowedHost(uri.Host.ToLowerInvariant(), hasPort ? uri.Port : null);
        problem = "";
        return true;
    }
}
