using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// The API of a `postfleet run` started with `--listen http://127.0.0.1:0`: the daemon binds a free port itself
/// and prints it, so no port is guessed.
/// </summary>
public static partial class DaemonApi
{
    public const string ListenArgument = "http://127.0.0.1:0";

    public static async Task<HttpClient> ConnectAsync(ChildProcess daemon)
    {
        var url = await Eventually.UntilAsync(() => Task.FromResult(ListeningAt().Match(daemon.StandardOutput) is { Success: true } m ? m.Groups[1].Value : null), () => "the daemon's API address; " + daemon.StandardError);
        return new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The fleet view of the last pass (null until the first pass).</summary>
    public static async Task<JsonNode?> FleetAsync(HttpClient http)
    {
        var response = await http.GetAsync("/api/v1/fleet");
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    [GeneratedRegex(@"dashboard and API: (http://127\.0\.0\.1:\d+/?)")]
    private static partial Regex ListeningAt();
}
