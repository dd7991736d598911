using System.CommandLine;
using PostFleet.Daemon.Alerts;
using PostFleet.Daemon.Web;

namespace PostFleet.Cli.Commands;

/// <summary>The dashboard/API options shared by `run` and `demo`.</summary>
internal sealed class WebOptionsParser
{
    public Option<string> Listen { get; } = new("--listen")
    {
        Description = "Where the dashboard, REST API and /metrics listen (loopback unless a token is set)",
        DefaultValueFactory = _ => WebOptions.DefaultListen,
    };

    public Option<bool> NoWeb { get; } = new("--no-web") { Description = "Do not serve the dashboard and API" };

    public Option<FileInfo?> TokenFile { get; } = new("--token-file")
    {
        Description = "File holding the bearer token mutating API calls need (required to listen beyond loopback); POSTFLEET_API_TOKEN works too",
    };

    public Option<string[]> Webhooks { get; } = new("--webhook")
    {
        Description = "Send alerts here: URL, or discord:URL, slack:URL, telegram:URL (with --telegram-chat-id); repeatable. POSTFLEET_WEBHOOKS (space-separated) works too",
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

    /// <summary>The web options, or null for none. A bad webhook throws FormatException naming what is allowed.</summary>
    public WebOptions? Read(ParseResult parseResult)
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

        // Webhook URLs are secrets: an environment variable keeps them out of `ps` and shell history.
        var webhooks = (parseResult.GetValue(Webhooks) ?? [])
            .Concat((Environment.GetEnvironmentVariable("POSTFLEET_WEBHOOKS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(w => WebhookTarget.Parse(w, parseResult.GetValue(TelegramChatId)))
            .ToList();
        return new WebOptions { Listen = parseResult.GetValue(Listen)!, Token = string.IsNullOrEmpty(token) ? null : token, Webhooks = webhooks };
    }
}
