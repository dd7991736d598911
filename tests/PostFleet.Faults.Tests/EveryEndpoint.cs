using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web;
using PostFleet.Daemon.Web.Api;

namespace PostFleet.Faults.Tests;

/// <summary>
/// Calls every route of the daemon's routing table against a running daemon, with each {parameter} filled in,
/// and returns what came back (status line, headers, body): a test that must cover every endpoint covers the next
/// one added without being edited.
/// </summary>
internal static class EveryEndpoint
{
    /// <summary>The route table, read from a web host started in-process over an empty fleet.</summary>
    public static async Task<IReadOnlyList<WebRoute>> RoutesAsync()
    {
        await using var host = await DaemonWebHost.StartAsync(new NoFleet(), new WebOptions { Listen = "http://127.0.0.1:0" }, NullLoggerFactory.Instance, CancellationToken.None);
        return host.Routes;
    }

    /// <summary>Each route with its parameters substituted: every service name, every intent, a path that has no endpoint.</summary>
    public static IEnumerable<(string Method, string Path)> Requests(IReadOnlyList<WebRoute> routes, IReadOnlyList<string> services)
    {
        foreach (var route in routes)
        {
            IEnumerable<string> paths = [route.Pattern];
            paths = Expand(paths, "{name}", services);
            paths = Expand(paths, "{intent}", route.Method == "POST" ? ServiceIntents.All : []);
            paths = Expand(paths, "{*file}", ["index.html", "app.js", "actions.js"]);
            paths = Expand(paths, "{**rest}", ["no-such-endpoint"]);
            foreach (var path in paths)
            {
                Assert.DoesNotContain('{', path); // a new kind of parameter: teach Requests to fill it
                yield return (route.Method, route.Method == "GET" ? path + "?lines=5000&limit=1000" : path);
            }
        }
    }

    /// <summary>Everything a client sees of one answer; an event stream is read until its first fleet event.</summary>
    public static async Task<string> CallAsync(HttpClient http, string method, string path, string token)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new("Bearer", token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var text = new StringBuilder($"{method} {path} -> {(int)response.StatusCode}\n{response.Headers}{response.Content.Headers}\n");
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                text.AppendLine(line);
                if (line.StartsWith("data:", StringComparison.Ordinal) && text.ToString().Contains("event: fleet", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        else
        {
            text.Append(await response.Content.ReadAsStringAsync());
        }

        return text.ToString();
    }

    private static IEnumerable<string> Expand(IEnumerable<string> paths, string parameter, IReadOnlyList<string> values) =>
        paths.SelectMany(p => p.Contains(parameter, StringComparison.Ordinal) ? values.Select(v => p.Replace(parameter, Uri.EscapeDataString(v), StringComparison.Ordinal)) : [p]);

    private sealed class NoFleet : IFleetControl
    {
        public FleetView? Current => null;

        public ForecastView? Forecast => null;

        public event Action<FleetView>? Updated
        {
            add { }
            remove { }
        }

        public Task<IReadOnlyList<string>?> ReadLogAsync(ServiceView service, int lines, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>?>(null);

        public IReadOnlyList<HistoryEntryView> History(string? service, int limit) => [];

        public RunsView? Runs(string service, int limit) => null;

        public string? Apply(string intent, string? service) => "not a fleet";
    }
}
