using PostFleet.Core.Configuration;

namespace PostFleet.Daemon.Alerts;

/// <summary>The body format a webhook expects.</summary>
public enum WebhookFormat
{
    Generic,
    Discord,
    Slack,
    Telegram,
}

/// <summary>
/// One place alerts go. The URL is a secret (Discord/Slack webhook paths and Telegram bot tokens grant posting
/// rights), so <see cref="ToString"/> and <see cref="Redacted"/> show only scheme and host; never log <see cref="Url"/>.
/// </summary>
public sealed record WebhookTarget(WebhookFormat Format, Uri Url, string? TelegramChatId = null)
{
    /// <summary>Alerts below this severity are not sent here (a pager channel may want only critical ones).</summary>
    public AlertSeverity MinSeverity { get; init; } = AlertSeverity.Warning;

    public string Redacted => WebhookSpec.Mask(Url);

    /// <summary>Whether an alert of <paramref name="severity"/> (the wire name: warning, critical) goes to this webhook.</summary>
    public bool Accepts(string severity) =>
        MinSeverity == AlertSeverity.Warning || string.Equals(severity, "critical", StringComparison.OrdinalIgnoreCase);

    public static WebhookTarget From(WebhookSpec spec) => new(
        spec.Kind switch
        {
            WebhookKind.Discord => WebhookFormat.Discord,
            WebhookKind.Slack => WebhookFormat.Slack,
            WebhookKind.Telegram => WebhookFormat.Telegram,
            _ => WebhookFormat.Generic,
        },
        spec.Url,
        spec.ChatId)
    { MinSeverity = spec.MinSeverity };

    public override string ToString() =>
        $"{Format.ToString().ToLowerInvariant()} webhook {Redacted}" + (MinSeverity == AlertSeverity.Critical ? " (critical only)" : "");

    /// <summary>Parses "format:url" or a bare URL (generic), e.g. "discord:https://discord.com/api/webhooks/...".</summary>
    public static WebhookTarget Parse(string text, string? telegramChatId = null)
    {
        var format = WebhookFormat.Generic;
        var rest = text.Trim();
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && Enum.TryParse<WebhookFormat>(rest[..colon], ignoreCase: true, out var parsed) && !rest[..colon].All(char.IsDigit))
        {
            format = parsed;
            rest = rest[(colon + 1)..];
        }

        if (!Uri.TryCreate(rest, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException("a webhook must be an http(s) URL, optionally prefixed with generic:, discord:, slack: or telegram:");
        }

        if (format == WebhookFormat.Telegram && string.IsNullOrWhiteSpace(telegramChatId))
        {
            throw new FormatException($"the telegram webhook {url.Scheme}://{url.Host} needs a chat id");
        }

        return new WebhookTarget(format, url, telegramChatId);
    }
}

/// <summary>What the API shows about a webhook: never the URL itself.</summary>
public sealed record WebhookView(string Format, string Endpoint);
