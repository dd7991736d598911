using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Storage;

namespace PostFleet.Daemon.Reliability;

/// <summary>
/// Reloads the fleet configuration when its file changes, from the loop's own thread (the loop asks for its spec
/// at the start of every pass). An edit that does not load, or that changes what only a restart can change (the
/// node, the runtime, the state folder, the history file, the API's address and token), is refused: the last good configuration stays in force and the error is
/// logged and written to the history. A later valid edit is applied at the next pass.
/// </summary>
public sealed class ConfigReloader
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly FleetHistory _history;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, ConfigLoadResult> _load;
    private FleetSpec _current;
    private string _lastHash;
    private DateTimeOffset _lastCheck;

    public ConfigReloader(FleetSpec initial, FleetHistory history, TimeProvider time, ILogger logger, Func<string, ConfigLoadResult>? load = null)
    {
        _current = initial;
        _path = initial.Source;
        _history = history;
        _time = time;
        _logger = logger;
        _load = load ?? FleetConfigLoader.LoadFile;
        _lastHash = Hash(_path) ?? "";
    }

    /// <summary>The keys a running daemon cannot change: it built its clients, runtime, history and web side from them.</summary>
    public const string RestartOnly = "node, runtime, state-dir, history.path, api";

    /// <summary>Raised on the loop's thread after an edit was applied, for parts built outside the loop (alerts).</summary>
    public event Action<FleetSpec>? Applied;

    /// <summary>The configuration in force (the last one that loaded and could be applied).</summary>
    public FleetSpec Current => Volatile.Read(ref _current);

    /// <summary>The last refusal, or null once a later edit was applied.</summary>
    public string? LastError { get; private set; }

    /// <summary>Looks at the file (at most once a second) and returns the configuration in force.</summary>
    public FleetSpec Poll()
    {
        var now = _time.GetUtcNow();
        if (now - _lastCheck < CheckEvery)
        {
            return Current;
        }

        _lastCheck = now;
        var hash = Hash(_path);
        if (hash is null || hash == _lastHash)
        {
            // A missing file (mid-save by an editor that renames) is not an edit: wait for the next look.
            return Current;
        }

        _lastHash = hash;
        ConfigLoadResult result;
        try
        {
            result = _load(_path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            result = ConfigLoadResult.Failed(new ConfigError("", ex.Message));
        }

        var error = !result.IsValid
            ? string.Join("; ", result.Errors.Select(e => e.ToString()))
            : NeedsRestart(Current, result.Spec!);
        if (error is not null)
        {
            LastError = error;
            _logger.LogError("configuration {Path} changed but is not applied; keeping the last good configuration: {Error}", _path, error);
            _history.RecordDaemonEvent(now, "config-rejected", error);
            return Current;
        }

        LastError = null;
        Volatile.Write(ref _current, result.Spec!);
        _logger.LogInformation(
            "configuration {Path} reloaded: {Services} services on {Disks} disks; schedule, disks, alerts and history.retention apply now ({RestartOnly} need a restart)",
            _path, result.Spec!.Services.Count(), result.Spec.Disks.Length, RestartOnly);
        _history.RecordDaemonEvent(now, "config-applied", $"{result.Spec.Services.Count()} services on {result.Spec.Disks.Length} disks");
        Applied?.Invoke(result.Spec);
        return Current;
    }

    /// <summary>What the running daemon built its clients and runtime from cannot change under it.</summary>
    internal static string? NeedsRestart(FleetSpec running, FleetSpec edited)
    {
        var changed = new List<string>();
        if (running.Node != edited.Node || !running.Nodes.SequenceEqual(edited.Nodes))
        {
            changed.Add("node");
        }

        if (running.Runtime != edited.Runtime)
        {
            changed.Add("runtime");
        }

        if (running.Process != edited.Process)
        {
            changed.Add("process.nice");
        }

        // The runtime in use was built from its section (engines, image, namespace, ...); the other one is not read.
        if (running.Runtime == RuntimeKind.Docker && running.Docker != edited.Docker)
        {
            changed.Add("docker");
        }

        if (running.Runtime == RuntimeKind.Kubernetes && running.Kubernetes != edited.Kubernetes)
        {
            changed.Add("kubernetes");
        }

        if (!string.Equals(Path.GetFullPath(running.StateDirectory), Path.GetFullPath(edited.StateDirectory), StringComparison.Ordinal))
        {
            changed.Add("state-dir");
        }

        if (!string.Equals(running.HistoryPath, edited.HistoryPath, StringComparison.Ordinal))
        {
            changed.Add("history.path");
        }

        if (running.Api.Listen != edited.Api.Listen)
        {
            changed.Add("api.listen");
        }

        if (running.Api.TokenFile != edited.Api.TokenFile)
        {
            changed.Add("api.token-file");
        }

        if (!running.Api.AllowedHosts.SequenceEqual(edited.Api.AllowedHosts))
        {
            changed.Add("api.allowed-hosts");
        }

        return changed.Count == 0 ? null : $"{string.Join(", ", changed)} changed: restart postfleet to apply (the rest of the edit is not applied either)";
    }

    private static string? Hash(string path)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
