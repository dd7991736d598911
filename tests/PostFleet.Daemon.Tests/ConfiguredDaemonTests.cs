using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Storage;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The real `postfleet run`, configured only by postfleet.yaml (alerts:, api:, history:) as under systemd: no
/// flags beyond -c, no POSTFLEET_* variables. The node is a free port nobody answers on, so the daemon runs its
/// passes, raises node-unreachable (critical) and starts nothing.
/// </summary>
public sealed class ConfiguredDaemonTests
{
    private const string Token = "yaml-token-0123456789abcdef";

    [Fact]
    public async Task A_webhook_only_in_the_yaml_receives_the_alert_and_its_url_is_never_printed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var dir = new TempDirectory("pf-yaml");
        var config = Write(dir, $$"""
            alerts:
              webhooks:
                - { url: "{{receiver.Url}}/pager/SECRET-P?key=SECRET-Q", kind: slack, min-severity: critical }
                - { url: "{{receiver.Url}}/chat/SECRET-C", kind: discord }
            """);
        await using var daemon = Start(config);

        await Eventually.UntilAsync(() => receiver.For("pager").Length > 0 && receiver.For("chat").Length > 0, "the node-unreachable alert at both webhooks");

        Assert.Contains("node unreachable", (string?)receiver.For("pager")[0]["text"], StringComparison.Ordinal);
        Assert.Contains("node unreachable", (string?)receiver.For("chat")[0]["content"], StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = Listen(config) };
        var alerts = await http.GetStringAsync("/api/v1/alerts");
        Assert.Contains(receiver.Url, alerts, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", alerts, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", daemon.StandardOutput + daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_of_alerts_webhooks_applies_without_a_restart()
    {
        using var dir = new TempDirectory("pf-yaml");
        var config = Write(dir, "alerts:\n  webhooks: [{ url: \"http://127.0.0.1:9/one/SECRET\" }]\n");
        await using var daemon = Start(config);
        using var http = new HttpClient { BaseAddress = Listen(config) };
        await Eventually.UntilAsync(async Task<string?> () => (await http.GetStringAsync("/api/v1/alerts")).Contains("127.0.0.1:9", StringComparison.Ordinal) ? "up" : null, "the API");

        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(config)).Replace(
            "webhooks: [{ url: \"http://127.0.0.1:9/one/SECRET\" }]",
            "webhooks: [{ url: \"http://127.0.0.2:9/two/SECRET\", kind: slack, min-severity: critical }]",
            StringComparison.Ordinal));

        await Eventually.UntilAsync(async Task<string?> () => (await http.GetStringAsync("/api/v1/alerts")).Contains("\"slack\"", StringComparison.Ordinal) ? "reloaded" : null, "the reloaded webhook in the API");
        var alerts = await http.GetStringAsync("/api/v1/alerts");
        Assert.Contains("http://127.0.0.2:9", alerts, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:9\"", alerts, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", daemon.StandardOutput + daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_yaml_token_file_lets_the_api_listen_beyond_loopback_and_guards_mutations()
    {
        using var dir = new TempDirectory("pf-yaml");
        await File.WriteAllTextAsync(dir.Combine("api-token"), Token + "\n");
        var port = FreePorts.Next();
        var config = Write(dir, $"api:\n  listen: http://0.0.0.0:{port}\n  token-file: api-token\n");
        await using var daemon = Start(config);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // Retried only until Kestrel is up.
        await Eventually.UntilAsync(async Task<string?> () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fleet/pause");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var response = await http.SendAsync(request);
            return response.StatusCode == HttpStatusCode.Accepted ? "accepted" : null;
        }, "pause accepted with the token from api.token-file");

        using var anonymous = await http.PostAsync("/api/v1/fleet/resume", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fleet/resume");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token-0123456789");
        using var wrongResponse = await http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/alerts")).StatusCode);
        Assert.DoesNotContain(Token, daemon.StandardOutput + daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_takes_host_port_without_a_scheme_in_the_yaml_and_on_the_command_line()
    {
        using var dir = new TempDirectory("pf-yaml");
        var yamlPort = FreePorts.Next();
        var config = Write(dir, $"api:\n  listen: \"127.0.0.1:{yamlPort}\"\n");
        await using (var fromYaml = Start(config))
        {
            await AnswersAsync(new Uri($"http://127.0.0.1:{yamlPort}"), "the API on api.listen 127.0.0.1:PORT");
        }

        var flagPort = FreePorts.Next();
        await using var fromFlag = Start(config, "--listen", $"[::1]:{flagPort}");
        await AnswersAsync(new Uri($"http://[::1]:{flagPort}"), "the API on --listen [::1]:PORT");
        Assert.Contains($"http://[::1]:{flagPort}", fromFlag.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0:{0}", "--listen: refusing to listen on 0.0.0.0:{0} without an API token")]
    [InlineData("127.0.0.1", "--listen: web listen address '127.0.0.1' has no port; add one, e.g. 127.0.0.1:8080")]
    [InlineData("https://127.0.0.1:{0}", "--listen: web listen address 'https://127.0.0.1:{0}': scheme 'https' is not supported")]
    public async Task A_bad_or_unguarded_listen_flag_stops_the_start_and_says_why(string listen, string message)
    {
        using var dir = new TempDirectory("pf-yaml");
        var port = FreePorts.Next();
        await using var daemon = Start(Write(dir, ""), "--listen", string.Format(System.Globalization.CultureInfo.InvariantCulture, listen, port));

        Assert.Equal(2, await daemon.WaitForExitAsync());
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, port), daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_token_file_stops_the_start_and_names_the_key()
    {
        using var dir = new TempDirectory("pf-yaml");
        var config = Write(dir, "api:\n  token-file: secrets/none\n");
        await using var daemon = Start(config);

        Assert.Equal(2, await daemon.WaitForExitAsync());
        Assert.Contains($"{config}: api.token-file: {dir.Combine("secrets", "none")} does not exist", daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_yaml_retention_prunes_old_rows_of_the_history_file()
    {
        using var dir = new TempDirectory("pf-yaml");
        var db = dir.Combine("db", "fleet-history.sqlite");
        Directory.CreateDirectory(dir.Combine("db"));
        var now = DateTimeOffset.UtcNow;
        using (var seeded = FleetHistory.Open(db))
        {
            seeded.RecordAction(now.AddDays(-3), "diskA_post1", "start", "old", "ok");
            seeded.RecordDaemonEvent(now.AddDays(-3), "shutdown", "old");
            seeded.RecordAction(now.AddHours(-1), "diskA_post1", "start", "recent", "ok");
        }

        var config = Write(dir, "history:\n  path: db/fleet-history.sqlite\n  retention: 2d\n");
        await using (var daemon = Start(config))
        {
            // The journal prunes at the first pass, before the view of that pass reaches the API.
            using var http = new HttpClient { BaseAddress = Listen(config) };
            await Eventually.UntilAsync(async Task<string?> () => (await http.GetAsync("/api/v1/fleet")).StatusCode == HttpStatusCode.OK ? "passed" : null, "a first pass");
            daemon.Signal(15);
            Assert.Equal(0, await daemon.WaitForExitAsync());
        }

        using var history = FleetHistory.Open(db);
        Assert.Equal(["recent -> ok"], history.Actions().Select(a => a.Detail));
        Assert.DoesNotContain(history.DaemonEvents(), e => e.Detail == "old");
        Assert.False(File.Exists(dir.Combine("state", "history.db")));
    }

    [Fact]
    public async Task A_k2pow_router_address_another_program_holds_is_a_clear_error_not_a_stack_trace()
    {
        using var dir = new TempDirectory("pf-yaml");
        using var holder = new TcpListener(IPAddress.Loopback, FreePorts.Next());
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var config = Write(dir, $"k2pow:\n  listen: 127.0.0.1:{taken}\n  workers: [{{ url: \"http://127.0.0.1:{FreePorts.Next()}\" }}]\n");
        await using var daemon = Start(config);

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"{config}: k2pow.listen:", daemon.StandardError, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{taken}", daemon.StandardError, StringComparison.Ordinal);
        Assert.Contains("already in use", daemon.StandardError, StringComparison.Ordinal);
        Assert.False(daemon.StandardError.Contains("   at ", StringComparison.Ordinal), daemon.StandardError);
    }

    private static async Task AnswersAsync(Uri api, string what)
    {
        using var http = new HttpClient { BaseAddress = api };
        await Eventually.UntilAsync(async Task<string?> () =>
        {
            try
            {
                return (await http.GetAsync("/api/v1/alerts")).StatusCode == HttpStatusCode.OK ? "up" : null;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, what);
    }

    private static ChildProcess Start(string config, params string[] flags) =>
        ChildProcess.StartPostfleet(["run", "-c", config, .. flags], environment: new Dictionary<string, string>
        {
            // As a systemd unit sees it: nothing from the environment overrides the file.
            ["POSTFLEET_WEBHOOKS"] = "",
            ["POSTFLEET_API_TOKEN"] = "",
        });

    private static Uri Listen(string config) =>
        new(File.ReadAllLines(config).Single(l => l.StartsWith("#listen ", StringComparison.Ordinal))["#listen ".Length..]);

    /// <summary>A one-service fleet whose node nobody answers for, plus <paramref name="sections"/>.</summary>
    private static string Write(TempDirectory dir, string sections)
    {
        var listen = sections.Contains("listen:", StringComparison.Ordinal) ? "" : $"api:\n  listen: http://127.0.0.1:{FreePorts.Next()}\n";
        var yaml = string.Join('\n',
            $"node:\n  post-listener: http://127.0.0.1:{FreePorts.Next()}\n  public-listener: 127.0.0.1:{FreePorts.Next()}\n  private-listener: 127.0.0.1:{FreePorts.Next()}\n  data-dir: node",
            "state-dir: state",
            "disks:",
            $"  - {{ name: diskA, services: [{{ name: diskA_post1, dir: post/diskA_post1, num-units: 4, operator: 127.0.0.1:{FreePorts.Next()} }}] }}",
            sections.Contains("api:", StringComparison.Ordinal) ? sections : listen + sections);
        var listenUrl = System.Text.RegularExpressions.Regex.Match(yaml, @"listen: (\S+)").Groups[1].Value.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        var path = dir.Combine("postfleet.yaml");
        File.WriteAllText(path, yaml + $"\n#listen {listenUrl}\n");
        return path;
    }
}
