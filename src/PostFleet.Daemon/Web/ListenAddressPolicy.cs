using System.Net;
using PostFleet.Core.Configuration;

namespace PostFleet.Daemon.Web;

/// <summary>
/// The rule that keeps the dashboard's actions (force-stop loses a whole proof) off the network by accident:
/// listening beyond loopback needs a token, and a long one.
/// </summary>
public static class ListenAddressPolicy
{
    public const int MinTokenLength = 16;

    /// <summary>Returns the parsed listen URL, or throws <see cref="WebStartupException"/> saying what to change.</summary>
    public static Uri Check(WebOptions options)
    {
        if (!Endpoints.TryParseWebListen(options.Listen, out var listen, out var problem))
        {
            throw new WebStartupException($"web listen address {problem}");
        }

        var url = new Uri(listen);

        if (IsLoopback(url))
        {
            return url;
        }

        if (string.IsNullOrWhiteSpace(options.Token))
        {
            throw new WebStartupException(
                $"refusing to listen on {options.Listen} without an API token: anyone who can reach it could stop or force-stop " +
                $"post-services. Set a token of at least {MinTokenLength} characters, or listen on {WebOptions.DefaultListen}.");
        }

        if (options.Token.Trim().Length < MinTokenLength)
        {
            throw new WebStartupException($"the API token must be at least {MinTokenLength} characters when listening on {options.Listen}");
        }

        return url;
    }

    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}

/// <summary>The web side cannot start as configured; the message says why and what to change.</summary>
public sealed class WebStartupException(string message) : Exception(message);
