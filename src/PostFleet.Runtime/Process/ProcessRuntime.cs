using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using SystemProcess = System.Diagnostics.Process;

namespace PostFleet.Runtime.Process;

/// <summary>
/// <see cref="IServiceRuntime"/> for post-services as local processes (Linux: /proc and pidfd signals).
/// </summary>
/// <remarks>
/// <para>
/// Each run is recorded in <c>STATE/runs/SERVICE.json</c> before StartAsync returns. Children are left running
/// when the daemon exits; a new runtime over the same state directory adopts them, because it finds them by
/// record. A record counts as a live run only while PID, start time, boot and argv all match, so a recycled PID
/// is never adopted and never signalled.
/// </para>
/// <para>
/// Thread safety: calls may run concurrently, but two calls for the same service must not (the reconcile loop
/// issues one action per service at a time). Two runtimes must not share a state directory while both run.
/// </para>
/// </remarks>
public sealed class ProcessRuntime : IServiceRuntime, IDisposable
{
    /// <summary>How often a stop looks whether the process has ended.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>SIGKILL cannot be refused; this only bounds the wait for the kernel to tear the process down.</summary>
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Bounds the wait for the runtime to reap a child that has visibly ended (normally microseconds).</summary>
    private static readonly TimeSpan ReapTimeout = TimeSpan.FromSeconds(1);

    private readonly RunRecordStore _records;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _nice;

    /// <summary>Children this instance started, by instance id: the only ones whose exit code we can learn (and reap).</summary>
    private readonly ConcurrentDictionary<string, SystemProcess> _children = new();

    /// <param name="nice">The niceness each program starts with (0-19; 0: the daemon's own), see <c>process.nice</c>.</param>
    public ProcessRuntime(string stateDirectory, TimeProvider? timeProvider = null, ILogger<ProcessRuntime>? logger = null, int nice = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(nice);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nice, 19);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ProcessRuntime>.Instance;
        _records = new RunRecordStore(Path.GetFullPath(stateDirectory), _logger);
        _nice = nice;
        if (nice != 0 && DetachedLaunch.Nice is null)
        {
            _logger.LogWarning("process.nice is {Nice} but this machine has no nice(1) (/usr/bin/nice, coreutils): services start at the daemon's own priority", nice);
        }
    }

    public async Task<RuntimeInstance> StartAsync(ServiceLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (_records.Find(launch.ServiceName) is { } previous && IsRunning(previous))
        {
            throw new InvalidOperationException($"{launch.ServiceName} is already running as pid {previous.Pid}");
        }

        Directory.CreateDirectory(launch.LogDirectory);
        var startedAt = _time.GetUtcNow();
        var logPath = Path.Combine(launch.LogDirectory, $"{launch.ServiceName}-{startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.log");
        await File.AppendAllTextAsync(logPath, $"# postfleet {startedAt:O}: starting {launch.Executable} {string.Join(' ', launch.Arguments)}\n", cancellationToken).ConfigureAwait(false);

        var process = SystemProcess.Start(DetachedLaunch.StartInfo(launch, logPath, _nice))
            ?? throw new InvalidOperationException($"could not start {launch.Executable}");

        // Read at once: the start time is the same before and after exec, and a zombie keeps it until reaped.
        var startTime = ProcessSnapshot.Read(process.Id)?.StartTimeTicks ?? 0;
        var record = new RunRecord(launch.ServiceName, process.Id, startTime, BootId.Value, launch.Executable, [.. launch.Arguments], startedAt, logPath);
        _children[record.InstanceId] = process;
        _records.Save(record);
        _logger.LogInformation("started {Service} as pid {Pid}, log {LogPath}", launch.ServiceName, process.Id, logPath);

        // Not waited for: the launcher is the run until it execs the program (RunRecord.IsRunningAs), and a program
        // that cannot be exec'd is seen ended, with the shell's error in its log, by the next list.
        if (!IsRunning(record))
        {
            _logger.LogWarning("{Service} (pid {Pid}) is not running right after its start; see {LogPath}", launch.ServiceName, process.Id, logPath);
        }

        return Observe(record);
    }

    public Task<IReadOnlyList<RuntimeInstance>> ListAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<RuntimeInstance> runs = [.. WithoutCopies(_records.All()).Select(Observe)];
        return Task.FromResult(runs);
    }

    /// <summary>
    /// One process, one service: a record copied under another service's name (found by RunRecordFuzzTests) would
    /// otherwise make that service look running, and a stop for it would kill the other service's proof. The run's
    /// log file is named after the service that started it, which tells the original from the copy.
    /// </summary>
    private IEnumerable<RunRecord> WithoutCopies(IReadOnlyList<RunRecord> records)
    {
        foreach (var claims in records.GroupBy(r => r.InstanceId))
        {
            var owners = claims.Where(r => Path.GetFileName(r.LogPath).StartsWith(r.Service + "-", StringComparison.Ordinal)).ToList();
            var keep = claims.Count() > 1 && owners.Count == 1 ? owners : [.. claims];
            foreach (var copy in claims.Except(keep))
            {
                _logger.LogWarning("ignoring the run record of {Service}: it names pid {Pid}, the run of {Owner}", copy.Service, copy.Pid, owners[0].Service);
            }

            foreach (var record in keep)
            {
                yield return record;
            }
        }
    }

    /// <remarks>The run's stdout and stderr are redirected to its log file.</remarks>
    public Task<IReadOnlyList<string>> ReadLogTailAsync(RuntimeInstance instance, int lines, CancellationToken cancellationToken) =>
        LogTail.ReadIfPresentAsync(instance?.LogPath, lines, cancellationToken);

    /// <remarks>
    /// SIGTERM, then SIGKILL once <paramref name="grace"/> has passed. post-service has no signal handler, so
    /// SIGTERM normally ends it at once; the escalation covers a hung process. Idempotent: a run that has ended,
    /// was forgotten, or was replaced by a newer run is left alone.
    /// </remarks>
    public async Task StopAsync(RuntimeInstance instance, TimeSpan grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (_records.Find(instance.ServiceName) is not { } record || record.InstanceId != instance.InstanceId)
        {
            return;
        }

        if (!IsRunning(record) || Signal(record, ProcessSignals.SigTerm) != SignalOutcome.Sent)
        {
            return;
        }

        if (await WaitUntilAsync(() => HasEnded(record), grace, cancellationToken).ConfigureAwait(false))
        {
            _logger.LogInformation("stopped {Service} (pid {Pid}) with SIGTERM", record.Service, record.Pid);
            return;
        }

        _logger.LogWarning("{Service} (pid {Pid}) still runs {Grace} after SIGTERM; sending SIGKILL", record.Service, record.Pid, grace);
        if (Signal(record, ProcessSignals.SigKill) == SignalOutcome.Sent
            && !await WaitUntilAsync(() => HasEnded(record), KillTimeout, cancellationToken).ConfigureAwait(false))
        {
            _logger.LogError("{Service} (pid {Pid}) survived SIGKILL for {Timeout}", record.Service, record.Pid, KillTimeout);
        }
    }

    /// <exception cref="InvalidOperationException">The run is still running: forgetting it would orphan it.</exception>
    public Task ForgetAsync(RuntimeInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (_records.Find(instance.ServiceName) is { } record && record.InstanceId == instance.InstanceId)
        {
            if (IsRunning(record))
            {
                throw new InvalidOperationException($"{record.Service} (pid {record.Pid}) is still running; stop it before forgetting it");
            }

            _records.Delete(record.Service);
        }

        if (_children.TryRemove(instance.InstanceId, out var process))
        {
            process.Dispose();
        }

        return Task.CompletedTask;
    }

    /// <summary>Releases the handles of started children; never stops them.</summary>
    public void Dispose()
    {
        foreach (var process in _children.Values)
        {
            process.Dispose();
        }

        _children.Clear();
    }

    private RuntimeInstance Observe(RunRecord record)
    {
        var running = IsRunning(record);
        int? exitCode = !running && _children.TryGetValue(record.InstanceId, out var process) && process.HasExited
            ? process.ExitCode
            : null;
        return new RuntimeInstance(record.Service, record.InstanceId, record.StartedAt, running, exitCode, record.LogPath);
    }

    /// <summary>The recorded process still runs and is provably the one we started (see <see cref="RunRecord.IsRunningAs"/>).</summary>
    private bool IsRunning(RunRecord record)
    {
        // Our own child is ours until it exits: its pid cannot be reused before we reap it, so no /proc read is
        // needed to prove it (a hundred a pass at 1,000 identities). Adopted runs are proved from /proc below.
        if (_children.TryGetValue(record.InstanceId, out var process))
        {
            return !process.HasExited;
        }

        var snapshot = ProcessSnapshot.Read(record.Pid);
        if (record.IsRunningAs(snapshot, BootId.Value))
        {
            return true;
        }

        if (IsGone(record, snapshot))
        {
            Reap(record);
        }

        return false;
    }

    /// <summary>
    /// The recorded process no longer exists at all. Stricter than "not running": a process on its way out has
    /// already lost its argv but is not a zombie yet, and a stop is only done once it is.
    /// </summary>
    private bool HasEnded(RunRecord record)
    {
        var gone = IsGone(record, ProcessSnapshot.Read(record.Pid));
        if (gone)
        {
            Reap(record);
        }

        return gone;
    }

    private static bool IsGone(RunRecord record, ProcessSnapshot? snapshot) =>
        snapshot is null || snapshot.HasEnded || snapshot.StartTimeTicks != record.StartTimeTicks || record.BootId != BootId.Value;

    /// <summary>
    /// .NET reaps the children it started when SIGCHLD arrives, a moment after they end; waiting for that here
    /// means an ended child is reported with its exit code and never lingers as a zombie.
    /// </summary>
    private void Reap(RunRecord record)
    {
        if (_children.TryGetValue(record.InstanceId, out var process))
        {
            _ = process.WaitForExit(ReapTimeout);
        }
    }

    private SignalOutcome Signal(RunRecord record, int signal)
    {
        var outcome = ProcessSignals.Send(record.Pid, signal, () => IsRunning(record));
        if (outcome == SignalOutcome.NotOurs)
        {
            _logger.LogInformation("{Service}: pid {Pid} is no longer the recorded run; not signalling it", record.Service, record.Pid);
        }

        return outcome;
    }

    /// <summary>Polls <paramref name="condition"/> on the injected clock; false when <paramref name="limit"/> passed first.</summary>
    private async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan limit, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        while (!condition())
        {
            var left = limit - _time.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.Delay(left < PollInterval ? left : PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
