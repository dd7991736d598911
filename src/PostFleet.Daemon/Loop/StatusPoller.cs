using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Daemon.Loop;

/// <summary>
/// Each live run's operator /status, read off the pass's critical path. A pass starts a read for every live run that
/// has none in flight (at most <see cref="Concurrency"/> at once, each with its own <see cref="ReadTimeout"/> on the
/// injected clock) and then takes, without waiting, the last answer each run gave and when. A read that completes at
/// once (or while the pass asks the node) is this pass's; a slow one is the next pass's; a starved or hung service
/// holds no pass. An answer older than <see cref="StaleAfter"/>, or none yet, is what a service that does not answer
/// has always been (<see cref="ServiceStatus.Unreachable"/>): never progress. An answer of another kind than the
/// run's last (k2pow to reading, reading to done) calls <c>changed</c>, so the loop looks again within the trigger's
/// pacing (five pass lengths, at most <see cref="PassTrigger.MaxPace"/>) instead of at its requeue time: a short
/// phase is still seen, and its answer keeps the time it was read (<c>StatusReadAt</c>), while a hundred live runs
/// changing phase cost the loop at most a fifth of its time, not a pass each. A proving run (k2pow or reading) is
/// read again no sooner than <see cref="PhaseShare"/> of the time its phase has lasted (at most
/// <see cref="MaxInterval"/>), and a reading one no later than its read is expected to end at the rate its answers
/// show (the data's size is known): a read an hour long is not asked seven times a second (a thousand identities'
/// open gap asked a hundred runs about 700 times a second), nor is a k2pow of minutes (sixteen of them, read at every
/// pass, were 130 requests a second, each waking a post-service and the daemon's threads); a phase's end, which the
/// planner learns read and k2pow times from, is seen within a fiftieth of its length. Start-up and done are read
/// again at each pass: what comes after them may be short, and what is short is not known before it is seen.
/// </summary>
public sealed class StatusPoller(IRunStatusReader reader, TimeProvider time, Action? changed = null) : IDisposable
{
    /// <summary>Reads in flight at once: a thousand starved services must not open a thousand connections.</summary>
    public const int Concurrency = 32;

    /// <summary>The share of its read's age a reading run waits before it is read again.</summary>
    public const int PhaseShare = 50;

    /// <summary>The longest a live run goes unread: progress on the dashboard, and far inside <see cref="StaleAfter"/>.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longer than the operator client's own (2 s): a runtime that reads through a proxy gets its own say first.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _runs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(Concurrency);
    private readonly CancellationTokenSource _stopped = new();

    /// <summary>An answer older than this is stale: at least twice the loop's resync and a read timeout, and 15 s.</summary>
    public static TimeSpan StaleAfter(FleetSpec fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var floor = TimeSpan.FromSeconds(15);
        var bySchedule = (fleet.Schedule.Resync * 2) + ReadTimeout;
        return bySchedule > floor ? bySchedule : floor;
    }

    /// <summary>Starts a read for each live run of <paramref name="fleet"/> that has none in flight; forgets runs no longer live.</summary>
    public void Begin(FleetSpec fleet, IReadOnlyList<RuntimeInstance> runs)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(runs);
        var live = new Dictionary<string, (RuntimeInstance Run, ServiceSpec Service)>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            // Read where the run is (its placement decides the address), not blindly at the address it binds.
            if (run.Running && fleet.FindService(run.ServiceName) is { } service)
            {
                live[service.Name] = (run, service);
            }
        }

        var now = time.GetUtcNow();
        var start = new List<(Entry Entry, ServiceSpec Service, RuntimeInstance Run)>();
        lock (_gate)
        {
            foreach (var name in _runs.Keys.Where(n => !live.ContainsKey(n) || _runs[n].InstanceId != live[n].Run.InstanceId).ToList())
            {
                _runs.Remove(name);
            }

            foreach (var (name, (run, service)) in live)
            {
                if (!_runs.TryGetValue(name, out var entry))
                {
                    entry = new Entry(run.InstanceId, time.GetUtcNow());
                    _runs[name] = entry;
                }

                if (!entry.Reading && entry.Due(now, ServicePhases.DataBytes(service, fleet.Post)))
                {
                    entry.Reading = true;
                    start.Add((entry, service, run));
                }
            }
        }

        foreach (var (entry, service, run) in start)
        {
            _ = ReadAsync(entry, service, run);
        }
    }

    /// <summary>The last answer of every live run and when it came; stale ones (and runs not yet answered) as no answer.</summary>
    public IReadOnlyDictionary<string, ServiceStatus> Current(TimeSpan staleAfter, out IReadOnlyDictionary<string, DateTimeOffset> readAt)
    {
        var now = time.GetUtcNow();
        var statuses = new Dictionary<string, ServiceStatus>(StringComparer.Ordinal);
        var at = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var (name, entry) in _runs)
            {
                if (entry.Status is not { } status)
                {
                    statuses[name] = new ServiceStatus.Unreachable($"no /status answer yet (read for {Seconds(now - entry.Since)})");
                    continue;
                }

                if (now - entry.ReadAt > staleAfter)
                {
                    statuses[name] = new ServiceStatus.Unreachable($"stale: the last /status answer is {Seconds(now - entry.ReadAt)} old");
                    continue;
                }

                at[name] = entry.ReadAt;
                statuses[name] = status;
            }
        }

        readAt = at;
        return statuses;
    }

    private async Task ReadAsync(Entry entry, ServiceSpec service, RuntimeInstance run)
    {
        ServiceStatus status;
        try
        {
            using var timeout = new CancellationTokenSource(ReadTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopped.Token);
            await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                status = await reader.ReadStatusAsync(service, run, linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (!_stopped.IsCancellationRequested)
        {
            status = new ServiceStatus.Unreachable($"no /status answer within {Seconds(ReadTimeout)}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A reader is not to throw for a service that does not answer; one that does still holds no pass.
            status = new ServiceStatus.Unreachable(ex.Message);
        }
        catch (OperationCanceledException)
        {
            return; // the daemon is stopping
        }

        bool another;
        lock (_gate)
        {
            another = entry.Status is not { } before || PhaseOf(before) != PhaseOf(status);
            entry.Reading = false;
            entry.Observe(status, another, time.GetUtcNow());
        }

        if (another)
        {
            changed?.Invoke();
        }
    }

    /// <summary>What a change of is worth a pass: the kind of answer, and for a proving one its pass and whether it reads yet.</summary>
    private static (Type Kind, ulong Pass, bool Reading) PhaseOf(ServiceStatus status) => status is ServiceStatus.Proving p
        ? (p.GetType(), p.NonceStart, p.Position > 0)
        : (status.GetType(), 0, false);

    private static string Seconds(TimeSpan t) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.#} s");

    public void Dispose()
    {
        _stopped.Cancel();
        _stopped.Dispose();
    }

    /// <summary>One live run: its last answer, and whether a read is in flight.</summary>
    private sealed class Entry(string instanceId, DateTimeOffset since)
    {
        // When the first answer of the current phase came.
        private DateTimeOffset _phaseSince;

        // Bytes a second of the current read, from its last two answers; null before two.
        private double? _rate;

        public string InstanceId { get; } = instanceId;

        public DateTimeOffset Since { get; } = since;

        public bool Reading { get; set; }

        public ServiceStatus? Status { get; private set; }

        public DateTimeOffset ReadAt { get; private set; }

        /// <summary>Takes an answer just read; <paramref name="another"/>: of another phase than the last.</summary>
        public void Observe(ServiceStatus status, bool another, DateTimeOffset now)
        {
            _rate = !another && Status is ServiceStatus.Proving { Position: var before } && status is ServiceStatus.Proving { Position: var after }
                && after > before && now > ReadAt
                    ? (after - before) / (now - ReadAt).TotalSeconds
                    : another ? null : _rate;
            if (another)
            {
                _phaseSince = now;
            }

            Status = status;
            ReadAt = now;
        }

        /// <summary>
        /// Unanswered yet, not proving (starting up, done), or proving (k2pow or reading) for longer than its share of
        /// the phase's age (a second at most), or reading for longer than the read is expected to take yet.
        /// </summary>
        public bool Due(DateTimeOffset now, ulong dataBytes)
        {
            if (Status is not ServiceStatus.Proving { Position: var position })
            {
                return true;
            }

            var wait = (ReadAt - _phaseSince) / PhaseShare;
            wait = wait < MaxInterval ? wait : MaxInterval;
            if (position > 0 && _rate is { } rate)
            {
                var left = TimeSpan.FromSeconds(((double)dataBytes - position) / rate);
                wait = left < wait ? left : wait;
            }

            return now - ReadAt >= wait;
        }
    }
}
