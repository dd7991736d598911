using System.Globalization;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;

namespace PostFleet.Daemon.K2Pow;

/// <summary>
/// The k2pow router: the <c>--remote-k2pow</c> URL of PostFleet's post-services. It accepts every job (201 while it
/// is queued or running), hands each to a free worker in priority order (the planner's: see <see cref="JobPriorities"/>),
/// asks the worker about it every poll, and passes the worker's 200 or 500 on unchanged. A job stays until a worker
/// returned it: a worker that stops answering, or answers 429 for a job it held (it restarted), gives it back to the
/// queue for another. Workers are health-checked with <c>GET /</c>. State is in memory: after a daemon restart the
/// services' retries (they retry forever) fill the queue again, and a worker still running a job answers 201 for it.
/// </summary>
public sealed class K2PowRouter
{
    private const int ProbesPerBusyWorker = 32;
    private static readonly TimeSpan KeepResults = TimeSpan.FromHours(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<K2PowJobKey, RouterJob> _jobs = [];
    private readonly List<PoolWorker> _workers;
    private readonly WorkerClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private IReadOnlyDictionary<string, JobPriority> _priorities = new Dictionary<string, JobPriority>();
    private long _sequence;

    public K2PowRouter(IEnumerable<K2PowWorkerSpec> workers, WorkerClient client, TimeProvider time, ILogger logger)
    {
        _workers = [.. workers.Select(w => new PoolWorker(w))];
        _client = client;
        _time = time;
        _logger = logger;
    }

    public RouterCounters Counters { get; } = new();

    /// <summary>The answer to a post-service's <c>GET /job/...</c>: 201 until a worker returned the job, then its status and body.</summary>
    public (int Status, string Body) Answer(K2PowJobKey key)
    {
        lock (_gate)
        {
            if (_jobs.TryGetValue(key, out var job))
            {
                return job.State == RouterJobState.Done ? (job.Status, job.Body) : (201, "");
            }

            _jobs[key] = new RouterJob(key, _sequence++, _time.GetUtcNow());
            Counters.Accepted++;
        }

        Wake();
        return (201, "");
    }

    /// <summary>The planner's order, by miner (node id hex); called after every reconcile pass.</summary>
    public void SetPriorities(IReadOnlyDictionary<string, JobPriority> priorities)
    {
        lock (_gate)
        {
            _priorities = priorities;
        }
    }

    public async Task RunAsync(TimeSpan poll, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "k2pow router: a round failed; trying again in {Poll}", poll);
            }

            try
            {
                using var delay = new CancellationTokenSource(poll, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, delay.Token);
                await _wake.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The poll interval passed.
            }
        }
    }

    /// <summary>One round: ask about running jobs, health-check the others, hand out queued jobs, forget old results.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await PollRunningAsync(cancellationToken).ConfigureAwait(false);
        await CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        await DispatchAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var old in _jobs.Values.Where(j => j.State == RouterJobState.Done && now - j.FinishedAt > KeepResults).ToList())
            {
                _jobs.Remove(old.Key);
            }

            // The property the router exists for: no worker that could take a job sits free while one waits.
            if (_jobs.Values.Any(j => j.State == RouterJobState.Queued) && _workers.Any(w => w.Free && !w.BusyElsewhere))
            {
                Counters.IdleWhileWaiting++;
            }
        }
    }

    public K2PowRouterSnapshot Snapshot()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var workers = _workers.Select(w => new K2PowWorkerState(
                w.Name, w.Spec.Url.ToString(), w.Spec.Managed, w.Healthy, w.Detail, w.BusyElsewhere,
                w.Job is { } job ? new K2PowJobView(ServiceOf(job), job.Key.Miner, job.Key.Group, job.Key.Challenge, job.State.ToString().ToLowerInvariant(), job.QueuedAt, job.DispatchedAt, job.Dispatches) : null,
                w.LearnedHashRate, w.Spec.HashRate, w.Spec.Cores, w.JobsDone, w.JobsLost, w.LastAnswer)).ToList();
            var queue = Ordered(_jobs.Values.Where(j => j.State == RouterJobState.Queued))
                .Select(j => new K2PowJobView(ServiceOf(j), j.Key.Miner, j.Key.Group, j.Key.Challenge, "queued", j.QueuedAt, null, j.Dispatches)).ToList();
            var done = _jobs.Values.Where(j => j.State == RouterJobState.Done).OrderByDescending(j => j.FinishedAt).Take(2000)
                .Select(j => new K2PowDoneJob(ServiceOf(j), j.Key.Miner, j.Key.Group, j.Key.Challenge, j.Status, j.WorkerName, j.Dispatches, j.QueuedAt, j.DispatchedAt, j.FinishedAt!.Value)).ToList();
            return new K2PowRouterSnapshot(now, workers, queue, done, Counters with { });
        }
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    private string? ServiceOf(RouterJob job) => _priorities.GetValueOrDefault(job.Key.Miner, JobPriority.Unknown).Service;

    private IOrderedEnumerable<RouterJob> Ordered(IEnumerable<RouterJob> jobs) =>
        jobs.OrderBy(j => _priorities.GetValueOrDefault(j.Key.Miner, JobPriority.Unknown).Rank)
            .ThenBy(j => j.Key.Miner, StringComparer.Ordinal)
            .ThenBy(j => j.Key.Group)
            .ThenBy(j => j.Sequence);

    private async Task PollRunningAsync(CancellationToken cancellationToken)
    {
        List<(PoolWorker Worker, RouterJob Job)> running;
        lock (_gate)
        {
            running = [.. _workers.Where(w => w.Job is { State: RouterJobState.Running }).Select(w => (w, w.Job!))];
        }

        var replies = await Task.WhenAll(running.Select(r => _client.AskAsync(r.Worker.Spec.Url, r.Job.Key, cancellationToken))).ConfigureAwait(false);
        lock (_gate)
        {
            for (var i = 0; i < running.Count; i++)
            {
                Apply(running[i].Worker, running[i].Job, replies[i], dispatching: false);
            }
        }
    }

    private async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        List<PoolWorker> idle;
        lock (_gate)
        {
            idle = [.. _workers.Where(w => w.Job is null)];
        }

        var results = await Task.WhenAll(idle.Select(w => _client.HealthAsync(w.Spec.Url, cancellationToken))).ConfigureAwait(false);
        lock (_gate)
        {
            for (var i = 0; i < idle.Count; i++)
            {
                var worker = idle[i];
                if (worker.Job is not null)
                {
                    continue;
                }

                if (worker.Healthy != results[i].Healthy)
                {
                    _logger.Log(results[i].Healthy ? LogLevel.Information : LogLevel.Warning, "k2pow worker {Worker} ({Url}) is {State}: {Detail}",
                        worker.Name, worker.Spec.Url, results[i].Healthy ? "healthy" : "unhealthy", results[i].Detail);
                }

                worker.Healthy = results[i].Healthy;
                worker.Detail = results[i].Healthy ? (worker.BusyElsewhere ? "busy with a job the router did not give it" : "idle") : results[i].Detail;
                if (results[i].Healthy)
                {
                    worker.LastAnswer = _time.GetUtcNow();
                }
            }
        }
    }

    /// <summary>
    /// Rounds of pairing the queue (in priority order) with free workers until no pair is left. A worker busy with a
    /// job the router does not know is offered other queued jobs (one of them may be the one it runs, which it then
    /// answers with 201), a bounded number per round.
    /// </summary>
    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        var tried = new HashSet<(string Worker, K2PowJobKey Job)>();
        var probes = new Dictionary<string, int>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            var pairs = new List<(PoolWorker Worker, RouterJob Job)>();
            lock (_gate)
            {
                var queue = Ordered(_jobs.Values.Where(j => j.State == RouterJobState.Queued)).ToList();
                var free = _workers.Where(w => w.Free)
                    .OrderBy(w => w.BusyElsewhere)
                    .ThenByDescending(w => w.LearnedHashRate ?? w.Spec.HashRate ?? 0)
                    .ToList();
                foreach (var worker in free)
                {
                    if (worker.BusyElsewhere && probes.GetValueOrDefault(worker.Name) >= ProbesPerBusyWorker)
                    {
                        continue;
                    }

                    var job = queue.FirstOrDefault(j => j.State == RouterJobState.Queued && !tried.Contains((worker.Name, j.Key)));
                    if (job is null)
                    {
                        continue;
                    }

                    tried.Add((worker.Name, job.Key));
                    probes[worker.Name] = probes.GetValueOrDefault(worker.Name) + 1;
                    job.State = RouterJobState.Dispatching;
                    job.Worker = worker;
                    worker.Job = job;
                    pairs.Add((worker, job));
                }
            }

            if (pairs.Count == 0)
            {
                return;
            }

            var replies = await Task.WhenAll(pairs.Select(p => _client.AskAsync(p.Worker.Spec.Url, p.Job.Key, cancellationToken))).ConfigureAwait(false);
            lock (_gate)
            {
                for (var i = 0; i < pairs.Count; i++)
                {
                    Apply(pairs[i].Worker, pairs[i].Job, replies[i], dispatching: true);
                }
            }
        }
    }

    /// <summary>Folds one worker answer about one job into both; called under the lock.</summary>
    private void Apply(PoolWorker worker, RouterJob job, WorkerReply reply, bool dispatching)
    {
        var now = _time.GetUtcNow();
        switch (reply.Kind)
        {
            case WorkerReplyKind.Working:
                worker.Healthy = true;
                worker.BusyElsewhere = false;
                worker.LastAnswer = now;
                worker.Detail = $"running group {job.Key.Group} of {job.Key.Miner[..8]}";
                if (dispatching)
                {
                    job.State = RouterJobState.Running;
                    job.DispatchedAt = now;
                    job.Dispatches++;
                    job.WorkerName = worker.Name;
                    Counters.Dispatched++;
                    if (job.Dispatches > 1)
                    {
                        Counters.Redispatched++;
                    }
                }

                break;
            case WorkerReplyKind.Done or WorkerReplyKind.Failed:
                worker.Healthy = true;
                worker.BusyElsewhere = false;
                worker.LastAnswer = now;
                worker.Job = null;
                worker.Detail = "idle";
                if (reply.Kind == WorkerReplyKind.Done && job.DispatchedAt is { } since && job.Key.ExpectedHashes() is { } hashes && now > since)
                {
                    var rate = hashes / (now - since).TotalSeconds;
                    worker.LearnedHashRate = worker.LearnedHashRate is { } old ? (0.7 * old) + (0.3 * rate) : rate;
                }

                worker.JobsDone++;
                job.State = RouterJobState.Done;
                job.Status = reply.Status;
                job.Body = reply.Body;
                job.FinishedAt = now;
                job.WorkerName = worker.Name;
                job.Worker = null;
                if (reply.Kind == WorkerReplyKind.Failed)
                {
                    Counters.Failed++;
                    _logger.LogWarning("k2pow worker {Worker} failed group {Group} of {Miner}: {Error}; the service's proof fails with it", worker.Name, job.Key.Group, job.Key.Miner, reply.Body);
                }
                else
                {
                    Counters.Completed++;
                }

                break;
            default:
                Requeue(job, worker, dispatching);
                worker.Job = null;
                worker.LastAnswer = reply.Kind == WorkerReplyKind.Busy ? now : worker.LastAnswer;
                worker.BusyElsewhere = reply.Kind == WorkerReplyKind.Busy;
                worker.Healthy = reply.Kind == WorkerReplyKind.Busy;
                worker.Detail = reply.Kind switch
                {
                    WorkerReplyKind.Busy => "busy with a job the router did not give it",
                    WorkerReplyKind.Unreachable => $"unreachable: {reply.Body}",
                    _ => $"answered {reply.Status.ToString(CultureInfo.InvariantCulture)} to a job request; is it a k2pow-service?",
                };
                if (reply.Kind != WorkerReplyKind.Busy)
                {
                    _logger.LogWarning("k2pow worker {Worker} ({Url}) {Detail}; its job goes to another worker", worker.Name, worker.Spec.Url, worker.Detail);
                }

                break;
        }
    }

    private void Requeue(RouterJob job, PoolWorker worker, bool dispatching)
    {
        if (!dispatching)
        {
            // It held the job and lost it (died, restarted, or forgot it): the job is computed again elsewhere.
            worker.JobsLost++;
            Counters.Lost++;
        }

        job.State = RouterJobState.Queued;
        job.Worker = null;
    }
}

/// <summary>Totals since the router started.</summary>
public sealed record RouterCounters
{
    public long Accepted { get; set; }

    public long Dispatched { get; set; }

    public long Redispatched { get; set; }

    public long Completed { get; set; }

    public long Failed { get; set; }

    public long Lost { get; set; }

    /// <summary>Rounds that ended with a job queued while a worker that could take it was free (should stay 0).</summary>
    public long IdleWhileWaiting { get; set; }
}
