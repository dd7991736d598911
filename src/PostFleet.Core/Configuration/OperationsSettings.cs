using System.Collections.Immutable;

namespace PostFleet.Core.Configuration;

/// <summary>The body format a webhook expects (alerts.webhooks[].kind).</summary>
public enum WebhookKind
{
    Generic,
    Discord,
    Slack,
    Telegram,
}

/// <summary>How bad an alert is; a webhook receives alerts at or above its min-severity.</summary>
public enum AlertSeverity
{
    Warning,
    Critical,
}

/// <summary>
/// One alert webhook from the config. The URL is a secret (Discord/Slack paths and Telegram bot tokens grant posting
/// rights): <see cref="ToString"/> shows scheme and host only, so a logged spec never leaks it.
/// </summary>
public sealed record WebhookSpec(Uri Url, WebhookKind Kind, string? ChatId, AlertSeverity MinSeverity)
{
    public string Redacted => Mask(Url);

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} webhook {Redacted} (min-severity {MinSeverity.ToString().ToLowerInvariant()})";

    /// <summary>scheme://host[:port] and nothing of the path or query, where the secrets are.</summary>
    public static string Mask(Uri url) => $"{url.Scheme}://{url.Host}" + (url.IsDefaultPort ? "" : $":{url.Port}");
}

/// <summary>The <c>alerts:</c> section: where alerts go and the thresholds of the rules that have one.</summary>
public sealed record AlertSettings(ImmutableArray<WebhookSpec> Webhooks, int CrashLoopRestarts, bool PredictedMiss)
{
    public static readonly AlertSettings Default = new([], ConfigDefaults.CrashLoopRestarts, ConfigDefaults.PredictedMiss);

    // ImmutableArray compares by reference; a reload must see an unchanged list as unchanged.
    public bool Equals(AlertSettings? other) =>
        other is not null && Webhooks.SequenceEqual(other.Webhooks) && CrashLoopRestarts == other.CrashLoopRestarts && PredictedMiss == other.PredictedMiss;

    public override int GetHashCode() => HashCode.Combine(Webhooks.Length, CrashLoopRestarts, PredictedMiss);
}

/// <summary>
/// The <c>api:</c> section. <see cref="TokenFile"/> is an absolute path; whether it exists is checked when the daemon
/// starts (like the TLS files), so `validate` can run on another machine than the daemon.
/// </summary>
public sealed record ApiSettings(string? Listen, string? TokenFile)
{
    public static readonly ApiSettings Default = new(null, null);

    /// <summary>Host names a reverse proxy forwards under, besides the listen address (<c>allowed-hosts</c>).</summary>
    public ImmutableArray<AllowedHost> AllowedHosts { get; init; } = [];

    // ImmutableArray compares by reference; a reload must see an unchanged list as unchanged.
    public bool Equals(ApiSettings? other) =>
        other is not null && Listen == other.Listen && TokenFile == other.TokenFile && AllowedHosts.SequenceEqual(other.AllowedHosts);

    public override int GetHashCode() => HashCode.Combine(Listen, TokenFile, AllowedHosts.Length);
}

/// <summary>The <c>history:</c> section: the SQLite file (absolute) and how long its rows are kept.</summary>
public sealed record HistorySettings(string Path, TimeSpan Retention);
