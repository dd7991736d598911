using System.Net;
using Microsoft.AspNetCore.Http;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.Web.Api;

namespace PostFleet.Daemon.Web;

/// <summary>
/// Serves only requests addressed to this daemon by a name the user chose: the listen address (its IP literal and
/// port; <c>localhost</c> too when it listens on loopback) or a name in <c>api.allowed-hosts</c>. A page whose DNS
/// name was rebound to 127.0.0.1 sends its own name as Host, so without this rule the browser would let it read the
/// fleet, its logs and history, and post actions as if it were the dashboard.
/// </summary>
internal sealed class HostGuard(Uri listen, IReadOnlyList<AllowedHost> allowed)
{
    private readonly IPAddress? _listenAddress = IPAddress.TryParse(listen.Host.Trim('[', ']'), out var address) ? address : null;

    private bool ListensOnLoopback => ListenAddressPolicy.IsLoopback(listen);

    private bool ListensOnEveryAddress => _listenAddress is not null && (_listenAddress.Equals(IPAddress.Any) || _listenAddress.Equals(IPAddress.IPv6Any));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var host = context.Request.Host;
        if (Allows(host, context.Connection.LocalPort))
        {
            await next(context);
            return;
        }

        var shown = host.HasValue ? host.Value : "(none)";
        await ApiResults.Error(StatusCodes.Status421MisdirectedRequest,
                $"Host '{shown}' is not served here: this daemon answers only to its listen address ({Describe(context.Connection.LocalPort)}) " +
                "and the names in api.allowed-hosts. A web page whose name points at this address is refused (DNS rebinding); " +
                "if a reverse proxy forwards this name, add it to api.allowed-hosts.")
            .ExecuteAsync(context);
    }

    /// <summary>True when <paramref name="host"/> names this daemon; <paramref name="boundPort"/> is the port the request arrived on.</summary>
    public bool Allows(HostString host, int boundPort)
    {
        if (!host.HasValue || host.Host.Length == 0)
        {
            return false;
        }

        var name = host.Host.Trim('[', ']');
        if (allowed.Any(a => a.Matches(name, host.Port)))
        {
            return true;
        }

        if ((host.Port ?? 80) != boundPort)
        {
            return false;
        }

        if (IPAddress.TryParse(name, out var requested))
        {
            // An IP literal cannot be rebound: it is an address of this machine only if the listen address allows it.
            return ListensOnEveryAddress || requested.Equals(_listenAddress) || (ListensOnLoopback && IPAddress.IsLoopback(requested));
        }

        return string.Equals(name, listen.Host, StringComparison.OrdinalIgnoreCase)
            || (ListensOnLoopback && string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase));
    }

    private string Describe(int port)
    {
        var names = new List<string> { $"{listen.Host}:{port}" };
        if (ListensOnLoopback && !string.Equals(listen.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.Add($"localhost:{port}");
        }

        names.AddRange(allowed.Select(a => a.ToString()));
        return string.Join(", ", names);
    }
}
