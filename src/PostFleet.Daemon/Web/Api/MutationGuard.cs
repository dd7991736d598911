using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace PostFleet.Daemon.Web.Api;

/// <summary>
/// In front of every POST (the Host was already checked by <see cref="HostGuard"/>): never a request a browser marks
/// as cross-site; then the bearer token when one is configured, else proof that the dashboard itself sent it (a
/// same-origin Origin, or Sec-Fetch-Site same-origin/none, which pages cannot forge). Without that proof an old
/// browser's cross-site form POST, which may carry neither header, would still force-stop a proving service.
/// </summary>
internal sealed class MutationGuard(string? token) : IEndpointFilter
{
    private readonly byte[]? _token = string.IsNullOrWhiteSpace(token) ? null : Encoding.UTF8.GetBytes(token.Trim());

    private enum Site
    {
        Unknown,
        SameOrigin,
        CrossSite,
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var site = SiteOf(request, out var evidence);
        if (site == Site.CrossSite)
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, $"cross-site request ({evidence}) refused: actions are only accepted from the dashboard itself or a client with the API token");
        }

        if (_token is not null)
        {
            if (Authorized(request))
            {
                return await next(context);
            }

            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiResults.Error(StatusCodes.Status401Unauthorized, "this action needs the API token: send 'Authorization: Bearer <token>'");
        }

        return site == Site.SameOrigin
            ? await next(context)
            : ApiResults.Error(StatusCodes.Status403Forbidden,
                $"an action must show it comes from this daemon's own dashboard: send 'Origin: {request.Scheme}://{request.Host}' " +
                "(browsers do) or configure api.token-file and send 'Authorization: Bearer <token>'");
    }

    private static Site SiteOf(HttpRequest request, out string evidence)
    {
        var site = Site.Unknown;
        evidence = "";
        var origins = request.Headers.Origin;
        if (origins.Count > 0)
        {
            var origin = origins.ToString();
            evidence = $"Origin {origin}";
            site = origins.Count == 1 && SameOrigin(origin, request) ? Site.SameOrigin : Site.CrossSite;
        }

        if (request.Headers["Sec-Fetch-Site"] is { Count: > 0 } fetchSite && site != Site.CrossSite)
        {
            var value = fetchSite.ToString();
            evidence = $"Sec-Fetch-Site {value}";
            site = value is "same-origin" or "none" ? Site.SameOrigin : Site.CrossSite;
        }

        return site;
    }

    private bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = Encoding.UTF8.GetBytes(header[prefix.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _token);
    }

    // Authority only: behind a TLS proxy the page is https while the daemon sees http; the Host itself is one
    // HostGuard accepted, so a rebound name never gets here.
    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
        && string.Equals(url.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
