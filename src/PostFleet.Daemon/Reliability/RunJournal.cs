using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Daemon.Loop;
using PostFleet.Storage;

namespace PostFleet.Daemon.Reliability;

/// <summary>
/// Writes one history row per post-service run — start, first k2pow, first read, the proof the node took, and how
/// the run ended (exit code, crashed or stopped, the tail of its log) — plus what users asked for, and prunes
/// rows past the retention (once an hour, and at the first pass). A pass listener, so it writes from the loop's thread like the rest of the history.
/// </summary>
/// <param name="retention">How long rows are kept (history.retention); asked at every prune, so a reload applies at once.</param>
public sealed class RunJournal(FleetHistory history, ILogger logger, Func<TimeSpan> retention) : IPassListener
{
    private const int TailLines = 12;
    private const int TailBytes = 4096;

    private readonly HashSet<string> _seen = [];
    private readonly HashSet<string> _ended = [];
    private readonly HashSet<string> _stopAsked = [];
    private readonly HashSet<string> _delivered = [];
    private readonly ConcurrentQueue<(DateTimeOffset At, string Action, string Detail)> _userActions = new();
    private DateTimeOffset _lastPrune;

    /// <summary>Queues a user action (any thread); written at the next pass.</summary>
    public void UserAction(DateTimeOffset at, string action, string detail) => _userActions.Enqueue((at, action, detail));

    public void OnPass(PassReport pass)
    {
        try
        {
            Write(pass);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The journal is for people; it must never take the loop down.
            logger.LogWarning("run journal: {Reason}", ex.Message);
        }
    }

    private void Write(PassReport pass)
    {
        var observation = pass.Observation;
        var at = observation.At;
        while (_userActions.TryDequeue(out var action))
        {
            history.RecordUserAction(action.At, action.Action, action.Detail);
        }

        foreach (var stop in pass.Outcomes.Select(o => o.Action).OfType<PlannedAction.StopService>())
        {
            _stopAsked.Add(Key(stop.Run));
        }

        foreach (var run in observation.Runs)
        {
            var key = Key(run);
            if (_seen.Add(key))
            {
                history.RecordRunStarted(run.ServiceName, run.InstanceId, run.StartedAt, observation.Clock?.EpochAt(run.StartedAt));
            }

            if (run.Running)
            {
                if (observation.Statuses.GetValueOrDefault(run.ServiceName) is ServiceStatus.Proving proving)
                {
                    history.RecordRunPhase(run.ServiceName, run.InstanceId, proving.InK2Pow ? RunPhase.K2Pow : RunPhase.Read, at);
                }
            }
            else if (_ended.Add(key))
            {
                var outcome = _delivered.Contains(key) ? "delivered" : _stopAsked.Contains(key) ? "stopped" : "crashed";
                history.RecordRunEnded(run.ServiceName, run.InstanceId, at, run.ExitCode, outcome, Tail(run.LogPath));
                if (outcome == "crashed")
                {
                    logger.LogWarning("{Service} exited by itself (exit code {ExitCode}); see the history's runs", run.ServiceName, run.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown");
                }
            }
        }

        var names = observation.Identities.Values.ToDictionary(i => i.Id, i => i.Name);
        foreach (var done in observation.Events.OfType<NodeEvent.PostCompleted>())
        {
            if (names.TryGetValue(done.Smesher, out var name) && observation.Runs.FirstOrDefault(r => r.ServiceName == name && r.Running) is { } run)
            {
                _delivered.Add(Key(run));
                history.RecordRunDelivered(name, run.InstanceId, done.Time, done.ChallengeHex);
            }
        }

        if (at - _lastPrune > TimeSpan.FromHours(1))
        {
            _lastPrune = at;
            var keep = retention();
            var removed = history.Prune(at - keep);
            if (removed > 0)
            {
                logger.LogInformation("history: removed {Rows} rows older than {Retention} (history.retention)", removed, PostFleet.Core.Configuration.Durations.Format(keep));
            }
        }
    }

    private static string Key(RuntimeInstance run) => run.ServiceName + "\n" + run.InstanceId;

    /// <summary>The last lines of a run's log (its stderr: post-service logs there), never more than a few KiB.</summary>
    internal static string? Tail(string? path)
    {
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Max(0, stream.Length - TailBytes), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', lines.TakeLast(TailLines));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
