using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.Reliability;
using PostFleet.Storage;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>The reloader on its own: what is applied, what is refused and kept, and what is recorded.</summary>
public sealed class ConfigReloaderTests : IDisposable
{
    private readonly TempDirectory _dir = new("pf-reload");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly string _path;
    private readonly string _yaml;
    private readonly FleetHistory _history;

    public ConfigReloaderTests()
    {
        _path = _dir.Combine("postfleet.yaml");
        _yaml = File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "demo", "postfleet.yaml"));
        File.WriteAllText(_path, _yaml);
        _history = FleetHistory.Open(_dir.Combine("history.db"));
    }

    private ConfigReloader Reloader()
    {
        var loaded = FleetConfigLoader.LoadFile(_path);
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors));
        return new ConfigReloader(loaded.Spec!, _history, _time, NullLogger.Instance);
    }

    [Fact]
    public void An_invalid_edit_is_refused_and_recorded_and_a_later_valid_edit_applied()
    {
        var reloader = Reloader();
        var first = reloader.Current;

        File.WriteAllText(_path, _yaml.Replace("per-disk: 1", "per-disk: lots", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Same(first, reloader.Poll());
        Assert.Contains("per-disk", reloader.LastError, StringComparison.Ordinal);
        Assert.Equal("config-rejected", Assert.Single(_history.DaemonEvents()).What);

        File.WriteAllText(_path, _yaml.Replace("idle-stop-grace: 10s", "idle-stop-grace: 20s", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(2));
        var applied = reloader.Poll();
        Assert.NotSame(first, applied);
        Assert.Null(reloader.LastError);
        Assert.Equal("config-applied", _history.DaemonEvents()[0].What);
    }

    [Fact]
    public void A_change_of_the_node_needs_a_restart_and_is_refused_whole()
    {
        var reloader = Reloader();
        var first = reloader.Current;

        File.WriteAllText(_path, _yaml.Replace("127.0.0.1:10094", "127.0.0.1:10095", StringComparison.Ordinal).Replace("idle-stop-grace: 10s", "idle-stop-grace: 20s", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Same(first, reloader.Poll());
        Assert.Contains("node changed: restart postfleet", reloader.LastError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api:\n  listen: http://127.0.0.1:9999\n", "api.listen changed: restart postfleet")]
    [InlineData("api:\n  token-file: token\n", "api.token-file changed: restart postfleet")]
    [InlineData("history:\n  path: other.db\n", "history.path changed: restart postfleet")]
    [InlineData("process:\n  nice: 10\n", "process.nice changed: restart postfleet")]
    public void The_api_the_history_file_and_the_services_niceness_need_a_restart(string section, string message)
    {
        var reloader = Reloader();
        var first = reloader.Current;

        File.WriteAllText(_path, _yaml + "\n" + section);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Same(first, reloader.Poll());
        Assert.Contains(message, reloader.LastError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker", "docker:\n  image: postfleet/post:1\n  labels:\n    team: a\n", "docker:\n  image: postfleet/post:2\n  labels:\n    team: a\n")]
    [InlineData("docker", "docker:\n  image: postfleet/post:1\n  labels:\n    team: a\n", "docker:\n  image: postfleet/post:1\n  labels:\n    team: b\n")]
    [InlineData("kubernetes", "kubernetes:\n  namespace: pf\n  host-network: true\n  labels:\n    team: a\n", "kubernetes:\n  namespace: pf\n  host-network: true\n  labels:\n    team: b\n")]
    public void The_section_of_the_runtime_in_use_needs_a_restart_and_an_edit_elsewhere_applies(string runtime, string section, string edited)
    {
        // Pods and containers bind their operator port on every address of their own network.
        var yaml = _yaml.Replace("runtime: process", "runtime: " + runtime, StringComparison.Ordinal).Replace("operator: 127.0.0.1:", "operator: 0.0.0.0:", StringComparison.Ordinal) + "\n" + section;
        File.WriteAllText(_path, yaml);
        var reloader = Reloader();
        var first = reloader.Current;

        // The same section read again (new collections, equal entries) is no change: the rest of the edit applies.
        File.WriteAllText(_path, yaml.Replace("idle-stop-grace: 10s", "idle-stop-grace: 20s", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(2));
        var applied = reloader.Poll();
        Assert.Null(reloader.LastError);
        Assert.NotSame(first, applied);

        File.WriteAllText(_path, yaml.Replace(section, edited, StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Same(applied, reloader.Poll());
        Assert.Contains(runtime + " changed: restart postfleet", reloader.LastError, StringComparison.Ordinal);

        // The section of a runtime not in use is not read: its edit applies.
        var other = runtime == "docker" ? "kubernetes" : "docker";
        File.WriteAllText(_path, _yaml + "\n" + other + ":\n  image: postfleet/post:3\n");
        var process = new ConfigReloader(FleetConfigLoader.LoadFile(_path).Spec!, _history, _time, NullLogger.Instance);
        File.WriteAllText(_path, _yaml + "\n" + other + ":\n  image: postfleet/post:4\n");
        _time.Advance(TimeSpan.FromSeconds(2));
        process.Poll();
        Assert.Null(process.LastError);
    }

    [Fact]
    public void Alerts_and_retention_apply_at_once_and_are_handed_to_the_alert_side()
    {
        var reloader = Reloader();
        FleetSpec? handed = null;
        reloader.Applied += spec => handed = spec;

        File.WriteAllText(_path, _yaml + """

            alerts:
              crash-loop-restarts: 7
              webhooks: [{ url: "https://hooks.example/SECRET", min-severity: critical }]
            history: { retention: 14d }
            """);
        _time.Advance(TimeSpan.FromSeconds(2));

        var applied = reloader.Poll();
        Assert.Null(reloader.LastError);
        Assert.Same(applied, handed);
        Assert.Equal(7, applied.Alerts.CrashLoopRestarts);
        Assert.Equal(AlertSeverity.Critical, Assert.Single(applied.Alerts.Webhooks).MinSeverity);
        Assert.Equal(TimeSpan.FromDays(14), applied.HistoryRetention);
    }

    [Fact]
    public void The_file_is_looked_at_no_more_than_once_a_second_and_an_unchanged_file_is_not_reloaded()
    {
        var reloader = Reloader();
        var first = reloader.Current;
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Same(first, reloader.Poll());

        File.WriteAllText(_path, _yaml.Replace("per-disk: 1", "per-disk: lots", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromMilliseconds(300));
        reloader.Poll();
        Assert.Null(reloader.LastError);
        Assert.Empty(_history.DaemonEvents());
    }

    public void Dispose()
    {
        _history.Dispose();
        _dir.Dispose();
    }
}
