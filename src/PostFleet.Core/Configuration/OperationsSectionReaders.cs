using System.Collections.Immutable;

namespace PostFleet.Core.Configuration;

/// <summary>
/// Reads <c>alerts:</c>, <c>api:</c> and <c>history:</c>: what an unattended daemon needs besides the fleet itself.
/// Webhook URLs are secrets, so no message here ever repeats one beyond its scheme and host.
/// </summary>
internal static class OperationsSectionReaders
{
    public static AlertSettings ReadAlerts(YamlMap root)
    {
        var alerts = root.Map("alerts", ConfigKeys.Alerts);
        if (!alerts.IsPresent)
        {
            return AlertSettings.Default;
        }

        var webhooks = ImmutableArray.CreateBuilder<WebhookSpec>();
        var items = alerts.List("webhooks") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{alerts.KeyPath("webhooks")}[{i}]";
            if (items[i] is YamlDotNet.RepresentationModel.YamlScalarNode)
            {
                // Not through YamlMap.Open: its message would repeat the scalar, which is likely the secret URL.
                alerts.Errors.Add(path, "expected a mapping like { url: https://..., kind: discord }, got a single value");
                continue;
            }

            var entry = YamlMap.Open(items[i], path, alerts.Errors, ConfigKeys.Webhook);
            if (entry.IsPresent && ReadWebhook(entry) is { } webhook)
            {
                webhooks.Add(webhook);
            }
        }

        return new AlertSettings(
            webhooks.ToImmutable(),
            (int?)alerts.Integer("crash-loop-restarts", 1, 1000) ?? ConfigDefaults.CrashLoopRestarts,
            alerts.OneOf("predicted-miss", ConfigKeys.Booleans) is { } flag ? flag == "true" : ConfigDefaults.PredictedMiss);
    }

    public static ApiSettings ReadApi(YamlMap root, PathResolver paths)
    {
        var api = root.Map("api", ConfigKeys.Api);
        if (!api.IsPresent)
        {
            return ApiSettings.Default;
        }

        var listen = api.String("listen");
        if (listen is not null)
        {
            if (Endpoints.TryParseWebListen(listen, out var url, out var problem))
            {
                listen = url;
            }
            else
            {
                api.Error("listen", $"{problem} (beyond loopback also needs token-file)");
                listen = null;
            }
        }

        var tokenFile = api.String("token-file");
        if (tokenFile is { Length: 0 })
        {
            api.Error("token-file", "is empty; give the path of a file holding the bearer token (at least 16 characters), or remove the key");
            tokenFile = null;
        }

        return new ApiSettings(listen, tokenFile is null ? null : paths.Resolve(tokenFile)) { AllowedHosts = ReadAllowedHosts(api) };
    }

    private static ImmutableArray<AllowedHost> ReadAllowedHosts(YamlMap api)
    {
        var hosts = ImmutableArray.CreateBuilder<AllowedHost>();
        var items = api.List("allowed-hosts") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{api.KeyPath("allowed-hosts")}[{i}]";
            if (items[i] is not YamlDotNet.RepresentationModel.YamlScalarNode { Value: { } text })
            {
                api.Errors.Add(path, $"expected a host name like fleet.example.org, got {YamlMap.Describe(items[i])}");
            }
            else if (!AllowedHost.TryParse(text, out var host, out var problem))
            {
                api.Errors.Add(path, problem);
            }
            else if (hosts.Contains(host))
            {
                api.Errors.Add(path, $"'{text}' is listed twice; remove one");
            }
            else
            {
                hosts.Add(host);
            }
        }

        return hosts.ToImmutable();
    }

    public static HistorySettings ReadHistory(YamlMap root, PathResolver paths, string stateDirectory)
    {
        var history = root.Map("history", ConfigKeys.History);
        var path = history.String("path");
        if (path is { Length: 0 })
        {
            history.Error("path", "is empty; give the SQLite file's path (default: history.db in state-dir), or remove the key");
            path = null;
        }

        return new HistorySettings(
            path is null ? Path.Combine(stateDirectory, ConfigDefaults.HistoryFile) : paths.Resolve(path),
            history.Duration("retention", allowZero: false, examples: "90d, 30d or 12h") ?? ConfigDefaults.HistoryRetention);
    }

    private static WebhookSpec? ReadWebhook(YamlMap entry)
    {
        var kind = entry.OneOf("kind", ConfigKeys.WebhookKinds) switch
        {
            "discord" => WebhookKind.Discord,
            "slack" => WebhookKind.Slack,
            "telegram" => WebhookKind.Telegram,
            _ => WebhookKind.Generic,
        };
        var severity = entry.OneOf("min-severity", ConfigKeys.Severities) == "critical" ? AlertSeverity.Critical : AlertSeverity.Warning;
        var url = WebhookUrl(entry);
        var chatId = entry.String("chat-id");
        if (kind == WebhookKind.Telegram && string.IsNullOrEmpty(chatId))
        {
            entry.Error("chat-id", "missing; a telegram webhook needs the chat the bot posts to (e.g. -1001234567890)");
        }
        else if (kind != WebhookKind.Telegram && chatId is not null)
        {
            entry.Error("chat-id", $"only a telegram webhook takes a chat id; remove it or set kind: telegram (this one is {kind.ToString().ToLowerInvariant()})");
        }

        return url is null ? null : new WebhookSpec(url, kind, kind == WebhookKind.Telegram ? chatId : null, severity);
    }

    private static Uri? WebhookUrl(YamlMap entry)
    {
        var text = entry.String("url", "give the http(s) URL alerts are POSTed to");
        if (text is null)
        {
            return null;
        }

        // Never echo the text: even a malformed URL may hold the secret path or token.
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            entry.Error("url", "is not an absolute URL; write it like https://discord.com/api/webhooks/ID/TOKEN");
            return null;
        }

        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            entry.Error("url", $"has scheme '{url.Scheme}'; a webhook must be an http:// or https:// URL");
            return null;
        }

        return url;
    }

}
