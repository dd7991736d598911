using System.CommandLine;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.Web;

namespace PostFleet.Cli.Commands;

/// <summary>
/// The dashboard/API options shared by `run` and `demo`. Each overrides the config file's api: or alerts: key
/// (flag > environment > file > default); docs/configuration.md lists the precedence.
/// </summary>
internal sealed class WebOptionsParser
{
    public Option<string> Listen { get; } = new("--listen")
    {
        Description = "Where the dashboard, REST API and /metrics listen: HOST:PORT, [::1]:PORT or http://HOST:PORT (loopback unless a token is set); overrides api.listen",
        DefaultValueFactory = _ => WebOptions.DefaultListen,
    };

    public Option<bool> NoWeb { get; } = new("--no-web") { Description = "Do not serve the dashboard and API" };

    public Option<FileInfo?> TokenFile { get; } = new("--token-file")
    {
        Description = "File holding the bearer token mutating API calls need (required to listen beyond loopback); overrides POSTFLEET_API_TOKEN and api.token-file",
    };

    public Option<string[]> Webhooks { get; } = new("--webhook")
    {
        Description = "Send alerts here: URL, or discord:URL, slack:URL, telegram:URL (with --telegram-chat-id); repeatable. Replaces POSTFLEET_WEBHOOKS (space-separated), which replaces alerts.webhooks",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> TelegramChatId { get; } = new("--telegram-chat-id") { Description = "The chat Telegram alerts go to" };

    public void AddTo(Command command)
    {
        command.Options.Add(Webhooks);
        command.Options.Add(TelegramChatId);
        command.Options.Add(Listen);
        command.Options.Add(NoWeb);
        command.Options.Add(TokenFile);
    }

    /// <summary>True when --listen was given (not its default).</summary>
    public bool ListenGiven(ParseResult parseResult) => parseResult.GetResult(Listen) is { Implicit: false };

    /// <summary>
    /// The web options from the flags, the environment and the config (<paramref name="fleet"/>; null for none), or
    /// null for no web side. A bad webhook throws FormatException naming what is allowed; an unusable token file
    /// throws IOException or <see cref="WebStartupException"/>.
    /// </summary>
    public WebOptions? Read(ParseResult parseResult, FleetSpec? fleet = null)
    {
        if (parseResult.GetValue(NoWeb))
        {
            return null;
        }

        var token = Environment.GetEnvironmentVariable("POSTFLEET_API_TOKEN");
        if (parseResult.GetValue(TokenFile) is { } file)
        {
            token = File.ReadAllText(file.FullName).Trim();
        }

        // Webhook URLs are secrets: an environment variable or the config file keeps them out of `ps` and shell history.
        var flags = parseResult.GetValue(Webhooks) ?? [];
        var fromEnvironment = (Environment.GetEnvironmentVariable("POSTFLEET_WEBHOOKS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var chosen = flags.Length > 0 ? flags : fromEnvironment;
        IReadOnlyList<WebhookTarget>? webhooks = chosen.Length > 0
            ? [.. chosen.Select(w => WebhookTarget.Parse(w, parseResult.GetValue(TelegramChatId)))]
            : null;

        var overrides = new WebOverrides(ListenGiven(parseResult) ? parseResult.GetValue(Listen) : null, string.IsNullOrEmpty(token) ? null : token, webhooks);
        return ConfiguredWebOptions.Build(fleet?.Api ?? ApiSettings.Default, fleet?.Alerts ?? AlertSettings.Default, overrides);
    }
}
