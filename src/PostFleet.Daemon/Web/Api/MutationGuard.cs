using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace PostFleet.Daemon.Web.Api;

/// <summary>
/// In front of every POST: a bearer token when one is configured, and no cross-site requests. The second rule
/// matters even on loopback without a token: any web page the user opens could otherwise POST force-stop to
/// 127.0.0.1:8080 from their browser.
/// </summary>
internal sealed class MutationGuard(string? token) : IEndpointFilter
{
    private readonly byte[]? _token = string.IsNullOrWhiteSpace(token) ? null : Encoding.UTF8.GetBytes(token.Trim());

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (request.Headers.Origin is [{ } origin] && !SameOrigin(origin, request))
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, $"cross-origin request from {origin} refused: actions are only accepted from the dashboard itself");
        }

        if (_token is not null && !Authorized(request))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiResults.Error(StatusCodes.Status401Unauthorized, "this action needs the API token: send 'Authorization: Bearer <token>'");
        }

        return await next(context);
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

    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var url) && string.Equals(url.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
