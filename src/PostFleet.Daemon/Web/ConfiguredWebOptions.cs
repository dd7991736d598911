using PostFleet.Core.Configuration;
using PostFleet.Daemon.Alerts;

namespace PostFleet.Daemon.Web;

/// <summary>What the command line and environment set; null means not given, so the config file (then the default) applies.</summary>
public sealed record WebOverrides(string? Listen = null, string? Token = null, IReadOnlyList<WebhookTarget>? Webhooks = null);

/// <summary>
/// The web options of `postfleet run` from the config's api: and alerts: sections, under the precedence
/// flag > environment > file > default. Each of listen, token and the webhook list is taken whole from the first
/// source that sets it (webhooks are never merged across sources: an override is meant to replace).
/// </summary>
public static class ConfiguredWebOptions
{
    public static WebOptions Build(FleetSpec fleet, WebOverrides overrides) => Build(fleet.Api, fleet.Alerts, overrides);

    public static WebOptions Build(ApiSettings api, AlertSettings alerts, WebOverrides overrides) => new()
    {
        Listen = overrides.Listen ?? api.Listen ?? WebOptions.DefaultListen,
        Token = overrides.Token ?? (api.TokenFile is { } file ? ReadTokenFile(file) : null),
        AllowedHosts = api.AllowedHosts,
        Webhooks = overrides.Webhooks ?? Webhooks(alerts),
        WebhooksFollowConfig = overrides.Webhooks is null,
        AlertRules = AlertRules.From(alerts),
    };

    public static IReadOnlyList<WebhookTarget> Webhooks(AlertSettings alerts) => [.. alerts.Webhooks.Select(WebhookTarget.From)];

    /// <summary>
    /// Read at start-up, not by the loader, as the TLS files are: `validate` may run where the secret is not.
    /// Throws <see cref="WebStartupException"/> naming the key and the file.
    /// </summary>
    internal static string ReadTokenFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new WebStartupException($"api.token-file: {path} does not exist; write the bearer token (at least {ListenAddressPolicy.MinTokenLength} characters) into it, or remove the key");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new WebStartupException($"api.token-file: {path} cannot be read ({ex.Message}); let the user postfleet runs as read it");
        }

        return text.Length > 0
            ? text
            : throw new WebStartupException($"api.token-file: {path} is empty; write the bearer token (at least {ListenAddressPolicy.MinTokenLength} characters) into it");
    }
}
