using PostFleet.Core.Configuration;
using PostFleet.Daemon.Alerts;

namespace PostFleet.Daemon.Web;

/// <summary>How the daemon's web side listens, who may change things, and where alerts go.</summary>
public sealed record WebOptions
{
    public const string DefaultListen = "http://127.0.0.1:8080";

    /// <summary>An http URL with a literal address or "localhost"; port 0 picks a free port.</summary>
    public string Listen { get; init; } = DefaultListen;

    /// <summary>Bearer token for mutating endpoints. Required when <see cref="Listen"/> is beyond loopback.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// Host names served besides the listen address (a reverse proxy's); every other Host header is refused, so a
    /// page whose DNS name was rebound to this address reads and changes nothing.
    /// </summary>
    public IReadOnlyList<AllowedHost> AllowedHosts { get; init; } = [];

    public IReadOnlyList<WebhookTarget> Webhooks { get; init; } = [];

    /// <summary>
    /// True when <see cref="Webhooks"/> came from the config file (no --webhook, no POSTFLEET_WEBHOOKS), so a reload of
    /// the file replaces them; webhooks given on the command line stay as given.
    /// </summary>
    public bool WebhooksFollowConfig { get; init; }

    public AlertRules AlertRules { get; init; } = new();

    public AlertSenderOptions AlertSender { get; init; } = new();

    /// <summary>How often an idle event stream gets a comment line, so proxies and browsers keep it open.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The least time between two views on an event stream (<see cref="Api.FleetEventHub"/>): four frames a second
    /// read as live, and in a gap the loop passes more often than that.
    /// </summary>
    public TimeSpan EventInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The webhook client (tests inject one); null builds a plain HttpClient.</summary>
    public HttpClient? WebhookClient { get; init; }

    /// <summary>The k2pow pool's state for GET /api/v1/k2pow and its metrics; null when there is no pool.</summary>
    public Func<K2Pow.K2PowPoolView>? K2Pow { get; init; }
}
