using System.Text.Json.Nodes;

namespace PostFleet.Daemon.Alerts;

/// <summary>The JSON body each webhook format expects for one alert change.</summary>
public static class WebhookBodies
{
    // Discord rejects content over 2000 characters, Telegram over 4096; alerts are far shorter, but a long node
    // error message must not make the alert itself fail.
    private const int MaxText = 1900;

    public static JsonObject For(WebhookTarget target, AlertChange change) => target.Format switch
    {
        WebhookFormat.Discord => new JsonObject { ["username"] = "PostFleet", ["content"] = Text(change, bold: "**") },
        WebhookFormat.Slack => new JsonObject { ["text"] = Text(change, bold: "*") },
        WebhookFormat.Telegram => new JsonObject
        {
            ["chat_id"] = target.TelegramChatId,
            ["text"] = Text(change, bold: ""),
            ["disable_web_page_preview"] = true,
        },
        _ => Generic(change),
    };

    public static string Text(AlertChange change, string bold)
    {
        var status = change.Resolved ? "RESOLVED" : "FIRING";
        var text = $"{bold}[{status}] {Title(change.Alert.Kind)}{bold}: {change.Message}";
        return text.Length <= MaxText ? text : text[..MaxText] + "…";
    }

    private static JsonObject Generic(AlertChange change) => new()
    {
        ["source"] = "postfleet",
        ["status"] = change.Resolved ? "resolved" : "firing",
        ["kind"] = change.Alert.Kind,
        ["key"] = change.Alert.Key,
        ["service"] = change.Alert.Service,
        ["severity"] = change.Alert.Severity,
        ["summary"] = change.Alert.Summary,
        ["message"] = change.Message,
        ["since"] = change.Alert.Since,
        ["at"] = change.At,
    };

    public static string Title(string kind) => kind switch
    {
        AlertKinds.ProofFailed => "proof failed",
        AlertKinds.CrashLoop => "service crash loop",
        AlertKinds.PredictedMiss => "predicted to miss the window",
        AlertKinds.NodeUnreachable => "node unreachable",
        AlertKinds.DeliveredLate => "proof delivered late",
        _ => kind,
    };
}
