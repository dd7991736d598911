using PostFleet.Core.Configuration;

namespace PostFleet.Core.Tests.Configuration;

/// <summary>alerts:, api: and history: — what an unattended daemon needs in the file instead of flags.</summary>
public class OperationsSectionTests
{
    [Fact]
    public void Without_the_sections_the_defaults_stand()
    {
        var spec = ConfigText.Load(ConfigText.Minimal).Spec!;

        Assert.Empty(spec.Alerts.Webhooks);
        Assert.Equal(3, spec.Alerts.CrashLoopRestarts);
        Assert.True(spec.Alerts.PredictedMiss);
        Assert.Null(spec.Api.Listen);
        Assert.Null(spec.Api.TokenFile);
        Assert.Equal("/srv/fleet/conf/.postfleet/history.db", spec.HistoryPath);
        Assert.Equal(TimeSpan.FromDays(90), spec.HistoryRetention);
    }

    [Fact]
    public void Every_key_is_read_and_paths_are_relative_to_the_config()
    {
        var spec = ConfigText.Load(ConfigText.With("""
            alerts:
              crash-loop-restarts: 5
              predicted-miss: false
              webhooks:
                - { url: "https://discord.com/api/webhooks/1/SECRET", kind: discord, min-severity: critical }
                - url: https://api.telegram.org/botSECRET/sendMessage
                  kind: telegram
                  chat-id: "-100123"
                - { url: "http://127.0.0.1:9000/hook?key=SECRET" }
            api:
              listen: http://0.0.0.0:8080
              token-file: secrets/api-token
            history:
              path: ../db/history.sqlite
              retention: 30d
            """)).Spec!;

        Assert.Equal(5, spec.Alerts.CrashLoopRestarts);
        Assert.False(spec.Alerts.PredictedMiss);
        Assert.Equal(
            [(WebhookKind.Discord, AlertSeverity.Critical, null), (WebhookKind.Telegram, AlertSeverity.Warning, "-100123"), (WebhookKind.Generic, AlertSeverity.Warning, (string?)null)],
            spec.Alerts.Webhooks.Select(w => (w.Kind, w.MinSeverity, w.ChatId)));
        Assert.Equal("http://127.0.0.1:9000/hook?key=SECRET", spec.Alerts.Webhooks[2].Url.ToString());
        Assert.Equal("http://0.0.0.0:8080", spec.Api.Listen);
        Assert.Equal("/srv/fleet/conf/secrets/api-token", spec.Api.TokenFile);
        Assert.Equal("/srv/fleet/db/history.sqlite", spec.HistoryPath);
        Assert.Equal(TimeSpan.FromDays(30), spec.HistoryRetention);
    }

    [Fact]
    public void A_spec_never_prints_a_webhook_secret()
    {
        var spec = ConfigText.Load(ConfigText.With("""
            alerts:
              webhooks: [{ url: "https://hooks.slack.com/services/T0/B0/SECRET?x=SECRET", kind: slack }]
            """)).Spec!;

        Assert.Equal("slack webhook https://hooks.slack.com (min-severity warning)", spec.Alerts.Webhooks[0].ToString());
        Assert.DoesNotContain("SECRET", spec.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_hosts_are_names_with_an_optional_port()
    {
        var spec = ConfigText.Load(ConfigText.With("api:\n  allowed-hosts: [Fleet.Example.org, 'proxy.example:8443', '[::1]:9000', 192.0.2.7]")).Spec!;

        Assert.Equal(["fleet.example.org", "proxy.example:8443", "[::1]:9000", "192.0.2.7"], spec.Api.AllowedHosts.Select(h => h.ToString()));
        Assert.Equal(ConfigText.Load(ConfigText.With("api:\n  allowed-hosts: [fleet.example.org, 'proxy.example:8443', '[::1]:9000', 192.0.2.7]")).Spec!.Api, spec.Api);
    }

    [Theory]
    [InlineData("alerts:\n  webhooks:\n    - { url: ftp://example.com/SECRET }", "alerts.webhooks[0].url", "has scheme 'ftp'; a webhook must be an http:// or https:// URL")]
    [InlineData("alerts:\n  webhooks:\n    - { url: hooks.example/SECRET }", "alerts.webhooks[0].url", "is not an absolute URL; write it like https://discord.com/api/webhooks/ID/TOKEN")]
    [InlineData("alerts:\n  webhooks:\n    - { kind: slack }", "alerts.webhooks[0].url", "missing; give the http(s) URL alerts are POSTed to")]
    [InlineData("alerts:\n  webhooks:\n    - https://example.com/SECRET", "alerts.webhooks[0]", "expected a mapping like { url: https://..., kind: discord }, got a single value")]
    [InlineData("alerts:\n  webhooks:\n    - { url: 'https://x.example/SECRET', kind: teams }", "alerts.webhooks[0].kind", "'teams' is not allowed; use one of: generic, discord, slack, telegram")]
    [InlineData("alerts:\n  webhooks:\n    - { url: 'https://x.example/SECRET', kind: telegram }", "alerts.webhooks[0].chat-id", "missing; a telegram webhook needs the chat the bot posts to (e.g. -1001234567890)")]
    [InlineData("alerts:\n  webhooks:\n    - { url: 'https://x.example/SECRET', chat-id: 5 }", "alerts.webhooks[0].chat-id", "only a telegram webhook takes a chat id; remove it or set kind: telegram (this one is generic)")]
    [InlineData("alerts:\n  webhooks:\n    - { url: 'https://x.example/SECRET', min-severity: info }", "alerts.webhooks[0].min-severity", "'info' is not allowed; use one of: warning, critical")]
    [InlineData("alerts:\n  webhooks:\n    - { url: 'https://x.example/SECRET', secret: x }", "alerts.webhooks[0].secret", "unknown key; known keys here: url, kind, chat-id, min-severity")]
    [InlineData("alerts:\n  webhooks: { url: 'https://x.example/SECRET' }", "alerts.webhooks", "expected a list, got a mapping")]
    [InlineData("alerts:\n  crash-loop-restarts: 0", "alerts.crash-loop-restarts", "0 is out of range; use a whole number from 1 to 1000")]
    [InlineData("alerts:\n  predicted-miss: maybe", "alerts.predicted-miss", "'maybe' is not allowed; use one of: true, false")]
    [InlineData("alerts:\n  webhook: []", "alerts.webhook", "unknown key; did you mean 'webhooks'?")]
    [InlineData("api:\n  listen: 127.0.0.1", "api.listen", "'127.0.0.1' has no port; add one, e.g. 127.0.0.1:8080 (beyond loopback also needs token-file)")]
    [InlineData("api:\n  listen: https://127.0.0.1:8080", "api.listen", "'https://127.0.0.1:8080': scheme 'https' is not supported; the web side serves plain http (put a TLS proxy in front for https); use HOST:PORT or http://HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or http://127.0.0.1:8080 (beyond loopback also needs token-file)")]
    [InlineData("api:\n  listen: '::1:8080'", "api.listen", "'::1:8080': an IPv6 address needs brackets, e.g. [::1]:8080 (beyond loopback also needs token-file)")]
    [InlineData("api:\n  listen: 127.0.0.1:8080/api", "api.listen", "'127.0.0.1:8080/api' is more than an address; use HOST:PORT or http://HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or http://127.0.0.1:8080 (beyond loopback also needs token-file)")]
    [InlineData("api:\n  listen: 127.0.0.1:http", "api.listen", "'127.0.0.1:http' is not a listen address; use HOST:PORT or http://HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or http://127.0.0.1:8080 (beyond loopback also needs token-file)")]
    [InlineData("api:\n  token-file: ''", "api.token-file", "is empty; give the path of a file holding the bearer token (at least 16 characters), or remove the key")]
    [InlineData("api:\n  token: abc", "api.token", "unknown key; known keys here: listen, token-file, allowed-hosts")]
    [InlineData("api:\n  allowed-hosts: [ok.example, 'https://fleet.example.org']", "api.allowed-hosts[1]", "'https://fleet.example.org' is not a host; write a host name or address with an optional port, e.g. fleet.example.org or fleet.example.org:443 (no scheme, path or wildcard)")]
    [InlineData("api:\n  allowed-hosts: ['*.example.org']", "api.allowed-hosts[0]", "'*.example.org' is not a host; write a host name or address with an optional port, e.g. fleet.example.org or fleet.example.org:443 (no scheme, path or wildcard)")]
    [InlineData("api:\n  allowed-hosts: ['fleet.example.org/dash']", "api.allowed-hosts[0]", "'fleet.example.org/dash' is not a host; write a host name or address with an optional port, e.g. fleet.example.org or fleet.example.org:443 (no scheme, path or wildcard)")]
    [InlineData("api:\n  allowed-hosts: ['fleet.example.org:99999']", "api.allowed-hosts[0]", "'fleet.example.org:99999' is not a host; write a host name or address with an optional port, e.g. fleet.example.org or fleet.example.org:443")]
    [InlineData("api:\n  allowed-hosts: ['fleet.example.org:0']", "api.allowed-hosts[0]", "'fleet.example.org:0' has a port outside 1..65535; write a host name or address with an optional port, e.g. fleet.example.org or fleet.example.org:443")]
    [InlineData("api:\n  allowed-hosts: ['']", "api.allowed-hosts[0]", "is empty; write a host name or address with an optional port, e.g. fleet.example.org or fleet.example.org:443")]
    [InlineData("api:\n  allowed-hosts: [a.example, A.example]", "api.allowed-hosts[1]", "'A.example' is listed twice; remove one")]
    [InlineData("api:\n  allowed-hosts: [{ name: a.example }]", "api.allowed-hosts[0]", "expected a host name like fleet.example.org, got a mapping")]
    [InlineData("api:\n  allowed-hosts: { a: b }", "api.allowed-hosts", "expected a list, got a mapping")]
    [InlineData("history:\n  retention: 90", "history.retention", "'90' is not a duration; write it like 90d, 30d or 12h")]
    [InlineData("history:\n  retention: 0", "history.retention", "must be longer than 0; write it like 10s")]
    [InlineData("history:\n  path: ''", "history.path", "is empty; give the SQLite file's path (default: history.db in state-dir), or remove the key")]
    [InlineData("history:\n  retension: 30d", "history.retension", "unknown key; did you mean 'retention'?")]
    [InlineData("alert:\n  webhooks: []", "alert", "unknown key; did you mean 'alerts'?")]
    public void Each_bad_value_names_its_path_and_what_is_right(string section, string path, string message)
    {
        var error = ConfigText.SingleError(ConfigText.With(section));

        Assert.Equal(new ConfigError(path, message), error);
        Assert.DoesNotContain("SECRET", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "http://127.0.0.1:8080")]
    [InlineData("localhost:8080", "http://localhost:8080")]
    [InlineData("0.0.0.0:8080", "http://0.0.0.0:8080")]
    [InlineData("'[::1]:8080'", "http://[::1]:8080")]
    [InlineData("http://[::1]:8080/", "http://[::1]:8080")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    public void Api_listen_takes_host_port_with_or_without_http(string yaml, string listen)
    {
        var spec = ConfigText.Load(ConfigText.With($"api:\n  listen: {yaml}")).Spec!;

        Assert.Equal(listen, spec.Api.Listen);
    }

    [Fact]
    public void Every_bad_webhook_is_reported_in_one_load()
    {
        var result = ConfigText.Load(ConfigText.With("""
            alerts:
              webhooks:
                - { url: "https://ok.example/SECRET" }
                - { url: "ftp://bad.example/SECRET" }
                - { url: "https://x.example/SECRET", kind: telegram }
            history: { retention: forever }
            """));

        Assert.Equal(["alerts.webhooks[1].url", "alerts.webhooks[2].chat-id", "history.retention"], result.Errors.Select(e => e.Path));
    }

    [Theory]
    [InlineData("90d", 90 * 24)]
    [InlineData("1d12h", 36)]
    [InlineData("0.5d", 12)]
    public void Durations_accept_days(string text, int hours)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromHours(hours), duration);
    }
}
