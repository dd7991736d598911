using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Model;
using PostFleet.Core.Runs;
using PostFleet.Daemon.Loop;
using PostFleet.Storage;

namespace PostFleet.Daemon.Reliability;

/// <summary>
/// Writes the run model's changes to the history: one row per post-service run (start, first k2pow, first read,
/// the proof the node took, how it ended: exit code, crashed or stopped, the tail of its log) and its phases (k2pow
/// and read per pass, with times, bytes and rate; an open phase's progress alone every <see cref="ProgressEvery"/>),
/// plus what users asked for, and prunes rows past the retention
/// (once an hour, and at the first pass). It learns nothing itself: the runs come folded in the pass report
/// (<see cref="PassReport.Runs"/>). A pass listener, so it writes from the loop's thread like the rest of the history.
/// </summary>
/// <param name="retention">How long rows are kept (history.retention); asked at every prune, so a reload applies at once.</param>
public sealed class RunJournal(FleetHistory history, ILogger logger, Func<TimeSpan> retention) : IPassListener
{
    private const int TailLines = 12;
    private const int TailBytes = 4096;

    /// <summary>
    /// How often an open phase whose only change is its progress (bytes, rate, time so far) is written again. The API
    /// serves live runs from the ledger, not from these rows, so they only need to be close enough for a daemon that
    /// dies mid-read; with a hundred reads live, a rewrite every pass was hundreds of statements a pass.
    /// </summary>
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(15);

    /// <summary>What of each live run is written: all phases but the last are closed and need no rewrite.</summary>
    private readonly Dictionary<string, Written> _written = [];
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
        var at = pass.Observation.At;
        while (_userActions.TryDequeue(out var action))
        {
            history.RecordUserAction(action.At, action.Action, action.Detail);
        }

        foreach (var run in pass.Runs.Changed)
        {
            Record(run, pass.Observation.Runs, at);
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

    private void Record(RunRecord run, IReadOnlyList<RuntimeInstance> seen, DateTimeOffset at)
    {
        var key = run.Service + "\n" + run.InstanceId;
        if (!_written.TryGetValue(key, out var written))
        {
            history.RecordRunStarted(run.Service, run.InstanceId, run.StartedAt, run.PublishEpoch);
            written = new Written();
            _written[key] = written;
        }

        var ends = run.EndedAt is not null;
        var delivered = run is { DeliveredAt: not null, Challenge: not null };
        var open = run.OpenPhase is not null;
        if (run.Phases.Count != written.Phases || open != written.Open || ends || (delivered && !written.Delivered) || at - written.At >= ProgressEvery)
        {
            history.RecordRunPhases(run.Service, run.InstanceId, run.Phases, written.Phases - 1);
            (written.Phases, written.Open, written.At) = (run.Phases.Count, open, at);
        }

        foreach (var kind in new[] { RunPhaseKind.K2Pow, RunPhaseKind.Read })
        {
            if (!written.First.Contains(kind) && run.FirstAt(kind) is { } first)
            {
                history.RecordRunPhase(run.Service, run.InstanceId, kind == RunPhaseKind.K2Pow ? RunPhase.K2Pow : RunPhase.Read, first);
                written.First.Add(kind);
            }
        }

        if (delivered && !written.Delivered)
        {
            history.RecordRunDelivered(run.Service, run.InstanceId, run.DeliveredAt!.Value, run.Challenge!);
            written.Delivered = true;
        }

        if (run is { EndedAt: { } ended, Outcome: { } outcome })
        {
            _written.Remove(key);
            var log = seen.FirstOrDefault(r => r.ServiceName == run.Service && r.InstanceId == run.InstanceId)?.LogPath;
            var word = outcome.ToString().ToLowerInvariant();
            history.RecordRunEnded(run.Service, run.InstanceId, ended, run.ExitCode, word, Tail(log));
            if (outcome == RunOutcome.Crashed)
            {
                logger.LogWarning("{Service} exited by itself (exit code {ExitCode}); see the history's runs", run.Service, run.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown");
            }
        }
    }

    /// <summary>One live run's rows as written: phases (the last one at <see cref="At"/>), first sights, delivery.</summary>
    private sealed class Written
    {
        public int Phases { get; set; }

        public DateTimeOffset At { get; set; }

        /// <summary>Whether the last phase was still open when written: its end is written when it comes.</summary>
        public bool Open { get; set; }

        public HashSet<RunPhaseKind> First { get; } = [];

        public bool Delivered { get; set; }
    }

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
