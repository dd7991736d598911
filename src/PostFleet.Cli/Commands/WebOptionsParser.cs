using System.CommandLine;
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

    public void AddTo(Command command)
    {
        command.Options.Add(Listen);
        command.Options.Add(NoWeb);
        command.Options.Add(TokenFile);
    }

    /// <summary>The web options, or null for none; a token file that cannot be read is an error.</summary>
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

        return new WebOptions { Listen = parseResult.GetValue(Listen)!, Token = string.IsNullOrEmpty(token) ? null : token };
    }
}
